// Package config owns starcdc's configuration surface: it reads Kafka Connect
// style Java .properties files (the worker file and the connector files a user
// already passes to connect-standalone, such as connect-StarRocks-sink.properties)
// and Kafka Connect's JSON connector configs,
// validates every key the StarRocks Kafka connector and the Kafka Connect
// framework define, and returns one typed, defaulted Config.
//
// It owns:
//   - the .properties syntax (ParseProperties), which follows java.util.Properties.load;
//   - Kafka Connect's JSON connector configs ({"name": ..., "config": {...}}
//     as the REST API and connect-standalone take it, or a flat object with
//     a "name" key), told from .properties by content (first non-blank byte
//     '{');
//   - which files are worker files and which are connector files (Load);
//   - defaults and ranges of the connector keys (spec docs/connector.md §1), kept
//     identical to the Java connector's code, including where the code and
//     the StarRocks docs disagree (bufferflush.maxbytes defaults to 64 MiB, not
//     90 MiB; connect.timeoutms defaults to 100, not 1000, and like the Java
//     connector starcdc does not use it for loads);
//   - starcdc's own keys (starrocks.load.*, starrocks.connect.timeout.ms,
//     starrocks.mysql.url,
//     starrocks.auto.create.tables, starrocks.schema.evolution,
//     starrocks.table.*, starrocks.datetime.timezone, starrocks.geometry.format,
//     starrocks.bytes.type, starrocks.decimal256, starrocks.schemaless.types,
//     starrocks.truncate.policy, starrocks.topic2table.regex/.replacement,
//     starrocks.ssl.* for HTTPS to StarRocks, Connector.TLS,
//     starrocks.mysql.ssl.mode for the MySQL-protocol connection with the
//     same stores, Connector.MySQLTLS),
//     Kafka Connect's errors.deadletterqueue.* keys and the sink.properties
//     the loader interprets, parsed into the typed Connector.Load, MySQLAddr,
//     DDL, Mapping and DeadLetter, so that other packages receive typed
//     settings and parse no strings;
//   - reading TLS key and trust stores (JKS, PKCS12, PEM files or PEM text:
//     StoreFile, LoadTrustStore, LoadKeyStore, PEMCertificates, PEMKeyPair,
//     ClientTLS) for every TLS client of
//     starcdc (Kafka, the schema registry, StarRocks), so that a store
//     opens the same way everywhere;
//   - the one boolean rule (ParseBool, Kafka's: true or false in any case)
//     and the one table-name rule (ValidTableName, the Java connector's);
//   - Kafka Connect's name for a connector's consumer group (GroupID), which
//     the replicator joins and the dead-letter errors name;
//   - converter, transform, errors.* and security key grouping;
//   - Kafka config provider substitution (${file:path:key}, ${dir:path:file},
//     ${env:VAR}) for the three providers that ship with Apache Kafka;
//   - secret redaction: Secret, and fmt and encoding/json methods on every
//     struct here that may hold secret-valued map entries (see IsSecretKey):
//     Format and MarshalJSON on Worker, Converter and Transform; String,
//     GoString and MarshalJSON on Connector (whose Format field rules out a
//     Format method, so only %v, %+v, %#v, %s, %q, %x and %X are covered
//     there). Config holds only these types, so printing a Config with those
//     verbs, logging it with log/slog, or marshalling it to JSON never shows
//     a secret.
//
// It does not act on any setting: other packages read Config. What only they
// can check (a converter class, a transform chain) they report wrapped with
// Invalid, so that it too wraps ErrInvalid. Keys that
// starcdc accepts but does not use produce a Warning that says why, unknown keys
// produce a Warning, and every invalid value produces an error that wraps
// ErrInvalid. Load and FromMap collect all such errors and return them joined
// with errors.Join, so that a user can fix every problem in one pass.
package config
