# The root module: the rendered workflow is the ASL template with the ARNs filled in, the variants handed to the
# function carry the defaults the function documents, and the validation rules refuse what the function refuses.

variables {
  region                = "eu-west-1"
  originals_bucket_name = "test-originals"
  resized_bucket_name   = "test-resized"
}

run "workflow_is_the_template_with_arns" {
  command = apply

  assert {
    condition     = jsondecode(templatefile("state_machine/image_processing.json", local.workflow_variables)).States.Resize.Parameters.FunctionName == module.compute.function_arn
    error_message = "the Task invokes this deployment's function"
  }

  assert {
    condition     = jsondecode(templatefile("state_machine/image_processing.json", local.workflow_variables)).States.Resize.Resource == "arn:aws:states:::lambda:invoke"
    error_message = "the Task's resource is the Lambda integration in the deployment's partition"
  }

  assert {
    condition     = jsondecode(templatefile("state_machine/image_processing.json", local.workflow_variables)).States.Resize.Retry == jsondecode(file("state_machine/transient_retry.json"))
    error_message = "the Task retries exactly the shared transient-fault policy"
  }

  assert {
    condition     = jsondecode(templatefile("state_machine/image_processing.json", local.workflow_variables)).States.Resize.TimeoutSeconds == var.timeout + 10
    error_message = "the Task outlives the function, so the function's own timeout reports first"
  }

  assert {
    condition     = module.orchestration.state_machine_arn == "arn:aws:states:eu-west-1:123456789012:stateMachine:image-resizer"
    error_message = "the state machine is named after the deployment"
  }
}

run "variants_reach_the_function_with_its_defaults" {
  command = plan

  variables {
    variants = {
      small = { width = 100, height = 80 }
      card  = { width = 600, height = 315, fit = "cover", gravity = "attention", format = "webp", quality = 70, key = "card/{dir}{stem}.{ext}" }
    }
  }

  assert {
    condition = local.variants.small == {
      width      = 100, height = 80, fit = "inside", format = "auto", formats = null, quality = null, quality_target = null,
      colorspace = "srgb", animation = "first", gravity = "centre", key = "{variant}/{dir}{stem}.{ext}",
    }
    error_message = "an omitted field takes the function's default (quality null: the function's 82)"
  }

  assert {
    condition     = local.variants.card.quality == 70 && local.variants.card.gravity == "attention" && local.variants.card.key == "card/{dir}{stem}.{ext}"
    error_message = "given fields pass unchanged"
  }
}

run "misspelled_variant_field_is_refused" {
  command = plan

  variables {
    variants = { thumb = { width = 200, height = 200, gravty = "attention", qualty = 40 } }
  }

  expect_failures = [var.variants]
}

run "variant_without_width_is_refused" {
  command = plan

  variables {
    variants = { thumb = { height = 200 } }
  }

  expect_failures = [var.variants]
}

run "unknown_format_is_refused" {
  command = plan

  variables {
    variants = { thumb = { width = 200, height = 200, format = "bmp" } }
  }

  expect_failures = [var.variants]
}

run "alarm_topic_needs_a_key" {
  command = plan

  variables {
    create_alarm_kms_key = false
  }

  expect_failures = [var.create_alarm_kms_key]
}

run "commands_without_the_api_have_no_start_command" {
  command = apply

  variables {
    enable_api = false
  }

  assert {
    condition     = !strcontains(output.commands, "curl") && !strcontains(output.commands_powershell, "Invoke-WebRequest")
    error_message = "without the API there is nothing to POST to"
  }

  assert {
    condition     = startswith(output.commands, "aws s3 cp ./image.jpg s3://test-originals/image.jpg\n") && alltrue([for line in split("\n", output.commands) : trimspace(line) != ""])
    error_message = "the first command uploads to the originals bucket, and no line is blank"
  }
}

run "variants_with_formats_get_the_cdn_function" {
  command = apply

  variables {
    enable_cdn = true
    variants = {
      thumbnail = { width = 200, height = 200, key = "{key}" }
      medium    = { width = 800, height = 800, formats = ["avif", "webp", "jpeg"] }
    }
  }

  assert {
    condition     = local.variants.medium.format == null && local.variants.medium.formats == ["avif", "webp", "jpeg"]
    error_message = "a variant with formats reaches the function without a format (the two exclude each other)"
  }

  assert {
    condition     = module.cdn[0].negotiation_function_arn == "arn:aws:cloudfront::123456789012:function/image-resizer-negotiate"
    error_message = "variants with formats behind the CDN get the negotiation function"
  }
}

run "no_cdn_function_without_formats" {
  command = apply

  variables {
    enable_cdn = true
  }

  assert {
    condition     = module.cdn[0].negotiation_function_arn == null
    error_message = "no variant has formats: no function, no association"
  }
}
