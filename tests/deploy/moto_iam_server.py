"""moto's server, with two mends to its IAM enforcement, for the deploy
rehearsal (tests/deploy/emulated_aws.py starts it).

1. With IAM enforced, moto re-computes each request's SigV4 signature. For a
   request without a body it signs the parsed parameters instead of the
   empty body, so every GET to a REST-JSON service (Lambda's GetFunction,
   which the AWS provider's create waiter calls) answers
   SignatureDoesNotMatch. The mend signs what was sent: the empty body.
2. moto names the IAM action after the request's signing name, which for
   CloudWatch is `monitoring`, and S3's HEAD of a bucket `s3:HeadBucket`;
   IAM policies (ReadOnlyAccess among them) say `cloudwatch:` and
   `s3:ListBucket` (what AWS checks for HeadBucket). The mend uses IAM's
   names.
3. In a role's trust policy, moto answers a statement whose principal is not
   the caller with a Deny (and fails with a TypeError on one that names a
   Service but no AWS principal), so a role that trusts a service and a user
   can be assumed by neither. In IAM such a statement does not apply; the
   mend makes it not apply.

Usage: moto_iam_server.py [moto_server's arguments]
"""
import sys

from botocore.awsrequest import AWSRequest
from moto import server
from moto.iam import access_control


def _create_aws_request(self):
    signed_headers = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")
    headers = self._create_headers_for_aws_request(signed_headers, self._headers)
    bodyless = self._method in ("GET", "HEAD", "DELETE") and not self._body
    request = AWSRequest(method=self._method, url=self._path, data=b"" if bodyless else (self._body or self._data),
                         headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    return request


access_control.IAMRequestBase._create_aws_request = _create_aws_request

# Signing names that differ from the service's IAM action prefix, and
# operations IAM checks under another action's name.
IAM_PREFIX = {"monitoring": "cloudwatch"}
IAM_ACTION = {"s3:HeadBucket": "s3:ListBucket"}
_init = access_control.IAMRequestBase.__init__


def _init_with_iam_prefix(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    service, _, operation = self._action.partition(":")
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    self._action = IAM_ACTION.get(action, action)


access_control.IAMRequestBase.__init__ = _init_with_iam_prefix

_statement_permits = access_control.IAMPolicyStatement.is_action_permitted


def _names(statement, principal):
    expected = statement.get("Principal")
    if expected is None or expected == "*":
        return True
    aws = expected.get("AWS") if isinstance(expected, dict) else None
    return aws is not None and (aws == "*" or aws == principal or (isinstance(aws, list) and principal in aws))


def _statement_permits_if_it_names_the_caller(self, action, resource="*", principal=None, incoming_condition_values=None):
    if principal and not _names(self._statement, principal):
        return access_control.PermissionResult.NEUTRAL
    return _statement_permits(self, action, resource, principal, incoming_condition_values)


access_control.IAMPolicyStatement.is_action_permitted = _statement_permits_if_it_names_the_caller

if __name__ == "__main__":
    sys.exit(server.main(sys.argv[1:]))
