CREATE TABLE IF NOT EXISTS `inventory`.`customers` (
  `id` INT NOT NULL,
  `first_name` VARCHAR(1048576) NULL,
  `last_name` VARCHAR(1048576) NULL,
  `email` VARCHAR(1048576) NULL
) ENGINE=OLAP
PRIMARY KEY(`id`)
DISTRIBUTED BY HASH(`id`)
PROPERTIES (
  "replication_num" = "1"
);
