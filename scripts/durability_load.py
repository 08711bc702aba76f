#!/usr/bin/env python3
"""Load and checks for scripts/durability.sh (standard library only).

  submit  ADDR SLUG COUNT CONNECTIONS ACKS
      POSTs COUNT comments over CONNECTIONS keep-alive connections; every
      202 appends "id<TAB>token" to ACKS (flushed at once), so the script
      can watch progress and kill the server mid-stream.
  decide  ADDR USER PASSWORD IDS CONNECTIONS ACKS
      Signs in, then approves (even positions) or rejects (odd) each id
      listed in IDS; every 200 appends "id<TAB>approve|reject" to ACKS.
  check-submissions DB ACKS
  check-decisions   DB ACKS
      Proves every acknowledged submission / decision is in the database
      (and every decision has its moderation-log entry), and that
      PRAGMA integrity_check says ok. Exit 1 on any loss.
"""

import http.client
import json
import sqlite3
import sys
import threading


def connect(addr):
    host, port = addr.rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=30)


class Acks:
    """Appends acknowledgements to a file, one flushed line each."""

    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()
        self.count = 0

    def add(self, line):
        with self.lock:
            self.file.write(line + "\n")
            self.file.flush()
            self.count += 1


def run_workers(jobs, connections, work):
    """Runs work(conn, job) for every job over `connections` threads; a
    thread whose server is gone (refused) stops, and so does the rest."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    stats = {"errors": 0, "other": 0, "dead": False}

    def worker():
        conn = None
        while True:
            with lock:
                if not queue or stats["dead"]:
                    return
                job = queue.pop()
            try:
                if conn is None:
                    conn = connect(ADDR)
                if not work(conn, job):
                    with lock:
                        stats["other"] += 1
            except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
                    http.client.HTTPException, OSError):
                with lock:
                    stats["errors"] += 1
                try:
                    if conn is not None:
                        conn.close()
                except OSError:
                    pass
                conn = None
                # Is anyone still listening?
                try:
                    probe = connect(ADDR)
                    probe.request("GET", "/healthz")
                    probe.getresponse().read()
                    probe.close()
                except OSError:
                    with lock:
                        stats["dead"] = True
                    return

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats


def submit(slug, count, connections, acks_path):
    acks = Acks(acks_path)
    path = f"/api/v1/posts/{slug}/comments"

    def work(conn, i):
        token = f"durability-{i}"
        body = json.dumps({"author_name": "Mari", "body": f"{token} of {count}"})
        conn.request("POST", path, body=body,
                     headers={"content-type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        if response.status != 202:
            return False
        acks.add(f"{json.loads(data)['id']}\t{token}")
        return True

    stats = run_workers(list(range(count)), connections, work)
    print(f"submissions: sent up to {count}, acknowledged {acks.count}, "
          f"failed in flight {stats['errors']}, refused {stats['other']}, "
          f"server gone: {stats['dead']}")


def decide(user, password, ids_path, connections, acks_path):
    conn = connect(ADDR)
    conn.request("POST", "/api/v1/auth/login",
                 body=json.dumps({"username": user, "password": password}),
                 headers={"content-type": "application/json"})
    response = conn.getresponse()
    me = json.loads(response.read())
    if response.status != 200:
        sys.exit(f"sign-in failed: {response.status} {me}")
    cookie = response.getheader("set-cookie").split(";", 1)[0]
    csrf = me["csrf_token"]
    conn.close()
    with open(ids_path, encoding="utf-8") as f:
        ids = [int(line.split("\t")[0]) for line in f if line.strip()]
    jobs = [(n, i, "approve" if n % 2 == 0 else "reject") for n, i in enumerate(ids)]
    acks = Acks(acks_path)

    def work(conn, job):
        _, comment, action = job
        body = json.dumps({"reason": "off-topic"} if action == "reject" else {})
        conn.request("POST", f"/api/v1/moderation/comments/{comment}/{action}", body=body,
                     headers={"content-type": "application/json", "cookie": cookie,
                              "x-csrf-token": csrf})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            return False
        acks.add(f"{comment}\t{action}")
        return True

    stats = run_workers(jobs, connections, work)
    print(f"decisions: sent up to {len(jobs)}, acknowledged {acks.count}, "
          f"failed in flight {stats['errors']}, refused {stats['other']}, "
          f"server gone: {stats['dead']}")


def read_acks(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def integrity(db):
    rows = [r[0] for r in db.execute("PRAGMA integrity_check")]
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    ok = rows == ["ok"] and not fk
    print(f"integrity_check: {'; '.join(rows)}; foreign_key_check: "
          f"{'ok' if not fk else fk[:5]}")
    return ok


def check_submissions(db_path, acks_path):
    db = sqlite3.connect(db_path)
    acks = read_acks(acks_path)
    lost = []
    for comment, token in acks:
        row = db.execute("SELECT body_source FROM comments WHERE id = ?",
                         (int(comment),)).fetchone()
        if row is None or not row[0].startswith(token + " "):
            lost.append(comment)
    ok = integrity(db)
    print(f"submissions acknowledged {len(acks)}, found {len(acks) - len(lost)}, "
          f"lost {len(lost)}" + (f": {lost[:20]}" if lost else ""))
    return not lost and ok and len(acks) > 0


def check_decisions(db_path, acks_path):
    db = sqlite3.connect(db_path)
    acks = read_acks(acks_path)
    status_of = {"approve": "approved", "reject": "rejected"}
    lost = []
    for comment, action in acks:
        row = db.execute("SELECT status FROM comments WHERE id = ?",
                         (int(comment),)).fetchone()
        logged = db.execute(
            "SELECT COUNT(*) FROM moderation_log WHERE comment_id = ? AND action = ?",
            (int(comment), action)).fetchone()[0]
        if row is None or row[0] != status_of[action] or logged < 1:
            lost.append(f"{comment}:{action}:{row[0] if row else 'missing'}:log={logged}")
    ok = integrity(db)
    print(f"decisions acknowledged {len(acks)}, found {len(acks) - len(lost)}, "
          f"lost {len(lost)}" + (f": {lost[:20]}" if lost else ""))
    return not lost and ok and len(acks) > 0


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "submit":
        ADDR = sys.argv[2]
        submit(sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif mode == "decide":
        ADDR = sys.argv[2]
        decide(sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7])
    elif mode == "check-submissions":
        sys.exit(0 if check_submissions(sys.argv[2], sys.argv[3]) else 1)
    elif mode == "check-decisions":
        sys.exit(0 if check_decisions(sys.argv[2], sys.argv[3]) else 1)
    else:
        sys.exit(__doc__)
