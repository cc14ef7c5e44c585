package kafka

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestSecurityAWSMSKIAM connects to a kfake broker that answers the
// AWS_MSK_IAM exchange (kfake has no IAM: control functions check the
// signed request's fields) with credentials from the environment.
func TestSecurityAWSMSKIAM(t *testing.T) {
	const access, secret, session = "AKIASTARCDCTEST", "S3cretAccessKey/abc", "Sess10nT0ken"
	t.Setenv("AWS_ACCESS_KEY_ID", access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", session)
	t.Setenv("AWS_REGION", "eu-west-1") // 127.0.0.1 names no region

	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var mu sync.Mutex
	var seen []map[string]string
	c.ControlKey(int16(kmsg.SASLHandshake), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLHandshakeRequest)
		resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
		if req.Mechanism != "AWS_MSK_IAM" {
			resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		}
		return resp, nil, true
	})
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLAuthenticateRequest)
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		var m map[string]string
		if json.Unmarshal(req.SASLAuthBytes, &m) != nil || m["action"] != "kafka-cluster:Connect" ||
			!strings.HasPrefix(m["x-amz-credential"], access+"/") || !strings.Contains(m["x-amz-credential"], "/eu-west-1/kafka-cluster/") ||
			m["x-amz-security-token"] != session || len(m["x-amz-signature"]) != 64 {
			resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		} else {
			resp.SASLAuthBytes = []byte(`{"version":"2020_10_22","request-id":"r"}`)
		}
		mu.Lock()
		seen = append(seen, m)
		mu.Unlock()
		return resp, nil, true
	})
	sec := map[string]string{
		"security.protocol":                  "SASL_PLAINTEXT",
		"sasl.mechanism":                     "AWS_MSK_IAM",
		"sasl.jaas.config":                   "software.amazon.msk.auth.iam.IAMLoginModule required;",
		"sasl.client.callback.handler.class": "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
	}
	roundTrip(t, c.ListenAddrs()[0], securityOpts(t, sec))
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("the broker saw no AWS_MSK_IAM authentication")
	}
	for _, m := range seen {
		for k, v := range m {
			if strings.Contains(v, secret) {
				t.Fatalf("the secret access key is sent in %s", k)
			}
		}
	}
}

func TestSecurityAWSMSKIAMErrors(t *testing.T) {
	const secret = "S3cretAccessKey/abc"
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	for _, tc := range []struct{ jaas, want string }{
		{"software.amazon.msk.auth.iam.IAMLoginModule required;", "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{`software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName="prod";`, "awsProfileName is not supported"},
		{`software.amazon.msk.auth.iam.IAMLoginModule required awsRoleArn="arn:aws:iam::1:role/x";`, "awsRoleArn is not supported"},
	} {
		_, _, err := SecurityOpts(map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "AWS_MSK_IAM", "sasl.jaas.config": tc.jaas})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.jaas, err, tc.want)
			continue
		}
		if strings.Contains(tc.want, "not supported") != errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%s: errors.Is(err, ErrUnsupported) is wrong: %v", tc.jaas, err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret key: %v", err)
		}
	}
}
