DROP TABLE receipts;
DROP TABLE receipt_keys;
