CREATE TABLE IF NOT EXISTS `inventory`.`geo_table` (
  `id` INT NOT NULL,
  `geo_point` VARCHAR(1048576) NULL,
  `geo_linestring` VARCHAR(1048576) NULL,
  `geo_polygon` VARCHAR(1048576) NULL,
  `geo_multipoint` VARCHAR(1048576) NULL,
  `geo_multilinestring` VARCHAR(1048576) NULL,
  `geo_multipolygon` VARCHAR(1048576) NULL,
  `geo_geometry` VARCHAR(1048576) NULL,
  `geo_geometrycollection` VARCHAR(1048576) NULL
) ENGINE=OLAP
PRIMARY KEY(`id`)
DISTRIBUTED BY HASH(`id`)
PROPERTIES (
  "replication_num" = "1"
);
