DROP TABLE appeals;
DROP TABLE notices;
DROP TABLE statements;
