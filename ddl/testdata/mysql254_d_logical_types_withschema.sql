CREATE TABLE IF NOT EXISTS `inventory`.`example_table` (
  `id` INT NOT NULL,
  `name` VARCHAR(1048576) NULL,
  `age` INT NULL,
  `email` VARCHAR(1048576) NULL,
  `birth_date` DATE NULL,
  `integer_column` INT NULL,
  `float_column` FLOAT NULL,
  `decimal_column` DECIMAL(10,2) NULL,
  `datetime_column` DATETIME NULL,
  `date_column` DATE NULL,
  `time_column` VARCHAR(32) NULL,
  `text_column` VARCHAR(1048576) NULL,
  `varchar_column` VARCHAR(1048576) NULL,
  `binary_column` VARCHAR(1048576) NULL,
  `blob_column` VARCHAR(1048576) NULL,
  `is_active` SMALLINT NULL
) ENGINE=OLAP
PRIMARY KEY(`id`)
DISTRIBUTED BY HASH(`id`)
PROPERTIES (
  "replication_num" = "1"
);
