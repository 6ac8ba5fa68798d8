resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  protocol_type = "HTTP"
  description   = "POST /start {\"bucket\", \"key\"} starts the image-processing workflow"
  tags          = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "start_execution" {
  name               = "${var.name}-start-execution"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "start_execution" {
  statement {
    sid       = "StartResizeExecutions"
    actions   = ["states:StartExecution"]
    resources = [var.state_machine_arn]
  }
}

resource "aws_iam_role_policy" "start_execution" {
  name   = "${var.name}-start-execution"
  role   = aws_iam_role.start_execution.id
  policy = data.aws_iam_policy_document.start_execution.json
}

resource "aws_apigatewayv2_integration" "start_execution" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_subtype    = "StepFunctions-StartExecution"
  credentials_arn        = aws_iam_role.start_execution.arn
  payload_format_version = "1.0"

  request_parameters = {
    StateMachineArn = var.state_machine_arn
    Input           = "$request.body"
  }
}

resource "aws_apigatewayv2_route" "start" {
  #checkov:skip=CKV_AWS_309:NONE by default for the seed's plain Invoke-WebRequest test, made safe: the input may name only the current version of an object in the originals bucket, throttled to 5/s (worst case about $3.21/hour, cost_model.py --api-worst-case), reserved function concurrency; AWS_IAM is one variable away (README).
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "POST /start"
  target             = "integrations/${aws_apigatewayv2_integration.start_execution.id}"
  authorization_type = var.authorization_type
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_158:Log group KMS encryption follows kms_key_arn; CloudWatch Logs encrypts at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is the operator's choice (log_retention_days, 30 days by default) to keep storage cost low.
  name              = "/aws/apigateway/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      ip               = "$context.identity.sourceIp"
      requestTime      = "$context.requestTime"
      httpMethod       = "$context.httpMethod"
      routeKey         = "$context.routeKey"
      status           = "$context.status"
      responseLength   = "$context.responseLength"
      integrationError = "$context.integrationErrorMessage"
    })
  }

  tags = var.tags
}
