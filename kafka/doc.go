// Package kafka is the one place where starcdc builds Kafka clients' connection
// settings: every component that talks to the worker's Kafka cluster (the
// replicator's consumer, the dead-letter topic producer and its admin
// requests, starcdc ddl) starts its franz-go client from ClientOpts.
//
// It owns turning the worker's typed configuration (config.Worker:
// bootstrap.servers and the security.protocol, sasl.* and ssl.* keys of
// Worker.Security) into franz-go options: seed brokers; TLS (JKS, PKCS12
// and PEM trust and key stores, read by config.LoadTrustStore and
// config.LoadKeyStore; host name verification; TLS versions); and SASL:
// PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 with credentials from
// sasl.jaas.config as config.ParseJAAS reads it, OAUTHBEARER with
// client-credentials tokens from sasl.oauthbearer.token.endpoint.url
// (internal/clientcreds) refreshed before they expire, AWS_MSK_IAM with
// credentials from the environment, and GSSAPI (Kerberos) with a keytab
// or a ticket cache and krb5.conf from KRB5_CONFIG (kerberos.go). It does
// not own client behaviour (consumer groups, producer limits, retries):
// callers append those options. It also owns how franz-go's own log lines reach the process's
// slog logger (NewLogger, logger.go).
//
// It promises that:
//   - the same worker keys give every client the same security, so a
//     setting that lets the consumer connect lets the dead-letter producer
//     and starcdc ddl connect too;
//   - a key it does not act on is never silently dropped: it comes back as
//     a warning saying why;
//   - its errors wrap config.ErrInvalid (and errors.ErrUnsupported for a
//     feature starcdc lacks), name the key and say what to change;
//   - secrets never appear in its errors or warnings, nor in anything it
//     logs (it logs nothing itself): no password, private key, keytab
//     key, or text of sasl.jaas.config other than the login module class
//     name (and a Krb5LoginModule's principal and keytab and ticket cache
//     paths, which are not secret), and no OAuth client secret or token.
package kafka
