CREATE TABLE IF NOT EXISTS `workdb`.`all_types_table` (
  `_id` INT NOT NULL
) ENGINE=OLAP
PRIMARY KEY(`_id`)
DISTRIBUTED BY HASH(`_id`)
PROPERTIES (
  "replication_num" = "1"
);
