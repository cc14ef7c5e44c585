// Package bench holds starcdc's end-to-end benchmarks. Each reports its
// figure next to a baseline measured in the same run on the same machine,
// so results are read as ratios, not absolute numbers:
//
//		go test -run=NONE -bench=. -benchtime=3x ./bench/
//
//	  - BenchmarkPipeline: decode + Debezium unwrap + Stream Load encoding of
//	    one JsonConverter envelope per op, against encoding/json decoding the
//	    same bytes into map[string]any (the least a JSON consumer must do).
//	  - BenchmarkEndToEnd: records/s from kfake through the replicator and the
//	    loader into the StarRocks emulator until every offset is committed,
//	    against a bare franz-go group consumer reading the same records.
//
// Package-level benchmarks (loader throughput against a bare PUT loop,
// decoder ns/record against hamba's Unmarshal) live beside their packages.
package main
