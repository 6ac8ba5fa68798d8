"""One line for what stops a command that talks to AWS."""

from __future__ import annotations


def aws_problem(exc: Exception, bucket: str) -> str:
    """One line for what stops a backfill: the endpoint, the bucket, the rights."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError

    if isinstance(exc, NoRegionError | NoCredentialsError):
        return f"{exc} (set AWS_REGION / AWS_DEFAULT_REGION and credentials, e.g. from `make up`'s lines)"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach the AWS endpoint ({exc.kwargs.get('endpoint_url', 'unknown')}); is it running?"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            return f"bucket {bucket!r} does not exist (or belongs to another account)"
        if code in ("403", "AccessDenied", "Forbidden"):
            return f"access to bucket {bucket!r} is denied; check the credentials and the bucket policy"
        return f"AWS refused the request: {code} {error.get('Message', '')}".rstrip()
    return f"AWS request failed: {exc}"
