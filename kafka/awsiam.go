package kafka

import (
	"context"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/aws"
)

// Environment variables that hold AWS credentials, as the AWS SDKs' default
// chain reads them first.
const (
	envAWSAccessKey    = "AWS_ACCESS_KEY_ID"
	envAWSSecretKey    = "AWS_SECRET_ACCESS_KEY"
	envAWSSessionToken = "AWS_SESSION_TOKEN"
)

// awsIAM builds the AWS_MSK_IAM mechanism for an IAMLoginModule entry
// (software.amazon.msk.auth.iam.IAMLoginModule, from aws-msk-iam-auth).
// Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN, read again for every authentication so that a
// supervisor that rotates them is followed; the region comes from the
// broker host name, or AWS_REGION / AWS_DEFAULT_REGION (franz-go's
// pkg/sasl/aws). Profiles, roles to assume and instance or container
// credentials need the AWS SDK, which starcdc does not link: the
// awsProfileName and awsRoleArn options are refused.
func (p *secParser) awsIAM(opts map[string]string) (sasl.Mechanism, error) {
	if cb, ok := p.get("sasl.client.callback.handler.class"); ok && cb != "" && !isModule(cb, "IAMClientCallbackHandler") {
		return nil, unsupportedf("sasl.client.callback.handler.class=%s: with AWS_MSK_IAM starcdc implements only software.amazon.msk.auth.iam.IAMClientCallbackHandler", cb)
	}
	for _, k := range []string{"awsProfileName", "awsRoleArn"} {
		if _, ok := opts[k]; ok {
			return nil, unsupportedf("%s: the IAMLoginModule option %s is not supported: starcdc reads AWS credentials only from %s, %s and %s", keySASLJAASConfig, k, envAWSAccessKey, envAWSSecretKey, envAWSSessionToken)
		}
	}
	if os.Getenv(envAWSAccessKey) == "" || os.Getenv(envAWSSecretKey) == "" {
		return nil, invalidf("sasl.mechanism=AWS_MSK_IAM: set %s and %s (and %s for temporary credentials) in starcdc's environment", envAWSAccessKey, envAWSSecretKey, envAWSSessionToken)
	}
	if n := len(opts) - countKeys(opts, "awsDebugCreds"); n > 0 {
		p.warnf(keySASLJAASConfig, "%d IAMLoginModule option(s) ignored", n)
	}
	return aws.ManagedStreamingIAM(func(context.Context) (aws.Auth, error) {
		a := aws.Auth{
			AccessKey:    strings.TrimSpace(os.Getenv(envAWSAccessKey)),
			SecretKey:    strings.TrimSpace(os.Getenv(envAWSSecretKey)),
			SessionToken: strings.TrimSpace(os.Getenv(envAWSSessionToken)),
		}
		if a.AccessKey == "" || a.SecretKey == "" {
			return a, invalidf("AWS_MSK_IAM: %s or %s is no longer set", envAWSAccessKey, envAWSSecretKey)
		}
		return a, nil
	}), nil
}
