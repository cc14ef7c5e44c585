CREATE TABLE IF NOT EXISTS `inventory`.`all_array_types` (
  `id` INT NOT NULL,
  `smallint_array` ARRAY<SMALLINT> NULL,
  `bigint_array` ARRAY<BIGINT> NULL,
  `float_array` ARRAY<FLOAT> NULL,
  `double_array` ARRAY<DOUBLE> NULL,
  `numeric_array` ARRAY<VARCHAR(1048576)> NULL,
  `text_array` ARRAY<VARCHAR(1048576)> NULL,
  `varchar_array` ARRAY<VARCHAR(1048576)> NULL,
  `char_array` ARRAY<VARCHAR(1048576)> NULL,
  `bool_array` ARRAY<BOOLEAN> NULL,
  `date_array` ARRAY<DATE> NULL,
  `timestamp_array` ARRAY<DATETIME> NULL,
  `time_array` ARRAY<VARCHAR(32)> NULL,
  `uuid_array` ARRAY<VARCHAR(36)> NULL,
  `json_array` ARRAY<JSON> NULL,
  `jsonb_array` ARRAY<JSON> NULL,
  `inet_array` ARRAY<VARCHAR(1048576)> NULL,
  `cidr_array` ARRAY<VARCHAR(1048576)> NULL,
  `macaddr_array` ARRAY<VARCHAR(1048576)> NULL,
  `macaddr8_array` ARRAY<VARCHAR(1048576)> NULL
) ENGINE=OLAP
PRIMARY KEY(`id`)
DISTRIBUTED BY HASH(`id`)
PROPERTIES (
  "replication_num" = "1"
);
