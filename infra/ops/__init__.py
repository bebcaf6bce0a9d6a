"""Operations against a live AWS account with boto3: bootstrap, preflight and verify.

Unlike the rest of `infra`, these modules talk to AWS. Every client comes from
`infra.ops.aws.Aws` (one retry policy, `AWS_ENDPOINT_URL` honoured) and every botocore
failure is turned into a one-line message by `infra.ops.aws.describe_error`.
"""
