CREATE TABLE IF NOT EXISTS `postgres`.`orders` (
  `order_id` INT NOT NULL,
  `order_date` BIGINT NULL,
  `customer_name` VARCHAR(1048576) NULL,
  `price` VARCHAR(1048576) NULL,
  `product_id` INT NULL,
  `order_status` SMALLINT NULL
) ENGINE=OLAP
PRIMARY KEY(`order_id`)
DISTRIBUTED BY HASH(`order_id`)
PROPERTIES (
  "replication_num" = "1"
);
