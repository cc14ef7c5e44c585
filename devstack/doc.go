// Package devstack starts the embedded development stack in-process, on
// 127.0.0.1: franz-go's kfake Kafka cluster, its srfake schema registry, and
// starcdc's StarRocks FE/BE emulator (package devstack/starrocks). `starcdc
// demo` and the end-to-end tests run against it over real sockets.
//
// It also holds the demo's inventory data set (inventory.go), and Lag and
// WaitDrained, which tell how far a consumer group is from having
// committed everything.
package devstack
