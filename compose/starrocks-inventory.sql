-- The StarRocks tables of the Debezium example inventory database, as a
-- user of the Java connector creates them by hand (starcdc creates them
-- itself with starrocks.auto.create.tables=true). One BE: replication_num 1.
CREATE DATABASE IF NOT EXISTS inventory;
CREATE TABLE IF NOT EXISTS inventory.customers (
  id INT NOT NULL, first_name VARCHAR(255), last_name VARCHAR(255), email VARCHAR(255)
) PRIMARY KEY (id) DISTRIBUTED BY HASH(id) PROPERTIES ("replication_num" = "1");
CREATE TABLE IF NOT EXISTS inventory.products (
  id INT NOT NULL, name VARCHAR(255), description VARCHAR(512), weight DOUBLE
) PRIMARY KEY (id) DISTRIBUTED BY HASH(id) PROPERTIES ("replication_num" = "1");
CREATE TABLE IF NOT EXISTS inventory.orders (
  order_number INT NOT NULL, order_date DATE, purchaser INT, quantity INT, product_id INT
) PRIMARY KEY (order_number) DISTRIBUTED BY HASH(order_number) PROPERTIES ("replication_num" = "1");
