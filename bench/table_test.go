package main

import (
	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
)

func createTable(s *devstack.Stack) error {
	return s.StarRocks.CreateTable("bench", "t1", []starrocks.Column{
		{Name: "id", Type: "INT"},
		{Name: "name", Type: "VARCHAR(255)", Nullable: true},
		{Name: "email", Type: "VARCHAR(255)", Nullable: true},
		{Name: "birth", Type: "DATE", Nullable: true},
		{Name: "updated", Type: "DATETIME", Nullable: true},
		{Name: "balance", Type: "DECIMAL(10,2)", Nullable: true},
		{Name: "score", Type: "DOUBLE", Nullable: true},
		{Name: "active", Type: "BOOLEAN", Nullable: true},
		{Name: "visits", Type: "BIGINT", Nullable: true},
		{Name: "notes", Type: "VARCHAR(255)", Nullable: true},
	}, []string{"id"})
}
