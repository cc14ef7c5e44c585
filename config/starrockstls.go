package config

import (
	"strings"
)

// StarRocks HTTPS keys (Connector.TLS): Kafka's client ssl.* key names
// under "starrocks.", for the Stream Load and Transaction Stream Load
// requests to the FEs and the BEs they redirect to.
const (
	KeySRTrustLocation = "starrocks.ssl.truststore.location"
	KeySRTrustPassword = "starrocks.ssl.truststore.password"
	KeySRTrustType     = "starrocks.ssl.truststore.type"
	KeySRKeyLocation   = "starrocks.ssl.keystore.location"
	KeySRKeyPassword   = "starrocks.ssl.keystore.password"
	KeySRKeyType       = "starrocks.ssl.keystore.type"
	KeySRKeyKeyPass    = "starrocks.ssl.key.password"
	KeySREndpointAlg   = "starrocks.ssl.endpoint.identification.algorithm"
)

var starrocksTLSKeys = []string{
	KeySRTrustLocation, KeySRTrustPassword, KeySRTrustType,
	KeySRKeyLocation, KeySRKeyPassword, KeySRKeyType, KeySRKeyKeyPass, KeySREndpointAlg,
}

// starrocksTLS parses the starrocks.ssl.* keys into the TLS setup of the
// HTTPS requests to StarRocks, or nil when none is set. It loads the stores
// once to report unreadable files and wrong passwords at start-up (errors
// name the key and file, never a password), and warns when no
// starrocks.http.url entry is https.
func (b *connBuilder) starrocksTLS(conn *Connector) *ClientTLS {
	set := false
	for _, k := range starrocksTLSKeys {
		if _, ok := b.get(k); ok {
			set = true
		}
	}
	if !set {
		return nil
	}
	str := func(k string) string { v, _ := b.get(k); return strings.TrimSpace(v) }
	c := &ClientTLS{
		Trust: StoreFile{Key: KeySRTrustLocation, Path: str(KeySRTrustLocation), Type: str(KeySRTrustType),
			StorePassword: Secret(str(KeySRTrustPassword))},
		Key: StoreFile{Key: KeySRKeyLocation, Path: str(KeySRKeyLocation), Type: str(KeySRKeyType),
			StorePassword: Secret(str(KeySRKeyPassword)), KeyPassword: Secret(str(KeySRKeyKeyPass))},
	}
	alg, algSet := b.get(KeySREndpointAlg)
	skip, err := ParseEndpointIdentification(KeySREndpointAlg, alg, algSet)
	if err != nil {
		b.bad(KeySREndpointAlg, alg, "use https (verify the host names, the default) or an empty value (do not)")
		return nil
	}
	c.SkipHostnameVerification = skip
	if _, err := c.Config(); err != nil {
		key := KeySRTrustLocation
		if strings.Contains(err.Error(), KeySRKeyLocation) {
			key = KeySRKeyLocation
		}
		// Store errors name the key and file and never hold a password.
		b.badKey(key, "%v", err)
		return nil
	}
	https := false
	for _, u := range conn.HTTPURLs {
		if strings.HasPrefix(u, "https://") {
			https = true
		}
	}
	if !https {
		b.warn(KeySRTrustLocation, "starrocks.ssl.* settings are unused: no starrocks.http.url entry is https://")
	}
	return c
}
