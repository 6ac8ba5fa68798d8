variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of the function, state machine, API and alarms."
  type        = string
  default     = "image-resizer"

  validation {
    condition     = can(regex("^[A-Za-z0-9-_]{1,40}$", var.name))
    error_message = "name must be 1-40 letters, digits, '-' or '_'."
  }
}

# Validated where it is used: modules/storage/variables.tf.
variable "originals_bucket_name" {
  description = "Bucket users upload originals to (globally unique), e.g. favour-capstone-originals."
  type        = string
}

# Validated where it is used: modules/storage/variables.tf.
variable "resized_bucket_name" {
  description = "Bucket the variants are written to (globally unique, not the originals bucket), e.g. favour-capstone-resized."
  type        = string
}

variable "variants" {
  description = "Variants to produce: name -> {width, height, fit (inside|cover), format (auto|best|jpeg|png|webp|avif|gif), or formats (a list from avif, webp, jpeg, png ending with jpeg or png: one output per format, negotiated by the CDN), quality (1-100 or 'auto'), quality_target (SSIMULACRA 2 score for quality 'auto', default 80), colorspace (srgb|keep), animation (first|keep), gravity (centre|attention|entropy|focal|north|...), key (template with {key} {dir} {stem} {ext} {variant} {hash})}. The default writes one 200x200 thumbnail under the upload's own key."
  # Loosely typed on purpose: converting a value to an object type silently drops the attributes the type does not
  # declare, so a misspelled field (gravty = "attention") would reach nobody. The raw value is checked below against
  # the function's own fields and rules; local.variants applies the defaults.
  type = any
  default = {
    thumbnail = {
      width   = 200
      height  = 200
      fit     = "inside"
      format  = "auto"
      quality = 82
      key     = "{key}"
    }
  }

  # The rules and messages of lambda_src/image_resizer/variants.py, so that plan refuses what the function
  # would refuse at cold start (tests/static/test_terraform_validation.py runs both on one table).
  validation {
    condition     = can(keys(var.variants)) && try(length(var.variants) > 0, false)
    error_message = "variants must be a non-empty JSON object of name -> settings"
  }

  validation {
    condition     = !can(keys(var.variants)) || alltrue([for n in try(keys(var.variants), []) : can(regex("^[A-Za-z0-9_-]+$", n))])
    error_message = join("; ", [for n in try(keys(var.variants), []) : "variant name '${n}' must be letters, digits, '-' or '_'" if !can(regex("^[A-Za-z0-9_-]+$", n))])
  }

  validation {
    condition     = alltrue([for v in try(values(var.variants), []) : can(keys(v))])
    error_message = join("; ", [for n, v in try(var.variants, {}) : "variant '${n}' must be an object, got ${local.variant_python_type[replace(substr(jsonencode(v), 0, 1), local.json_quote, "s")]}" if !can(keys(v))])
  }

  validation {
    condition     = alltrue([for v in try(values(var.variants), []) : length(setsubtract(try(keys(v), []), local.variant_fields)) == 0])
    error_message = join("; ", [for n, v in try(var.variants, {}) : "variant '${n}': unknown field(s) [${join(", ", [for f in sort(setsubtract(try(keys(v), []), local.variant_fields)) : "'${f}'"])}]; allowed: [${join(", ", [for f in local.variant_fields : "'${f}'"])}]" if length(setsubtract(try(keys(v), []), local.variant_fields)) > 0])
  }

  validation {
    condition     = alltrue(flatten([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : [for f in ["width", "height"] : v[f] != null]]))
    error_message = join("; ", flatten([for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : [for f in ["width", "height"] : "variant '${n}': field '${f}' is None; it is required" if v[f] == null]]))
  }

  validation {
    condition     = alltrue(flatten([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : [for f in ["width", "height"] : v[f] == null || try(jsonencode(v[f]) == tostring(v[f]) && v[f] >= 1 && v[f] <= 16384 && floor(v[f]) == v[f], false)]]))
    error_message = join("; ", flatten([for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : [for f in ["width", "height"] : "variant '${n}': field '${f}' is ${replace(jsonencode(v[f]), local.json_quote, "'")}; expected an integer from 1 to 16384" if !(v[f] == null || try(jsonencode(v[f]) == tostring(v[f]) && v[f] >= 1 && v[f] <= 16384 && floor(v[f]) == v[f], false))]]))
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : contains(["inside", "cover"], v.fit)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'fit' is '${v.fit}'; expected one of ['inside', 'cover']" if !contains(["inside", "cover"], v.fit)])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : contains(["auto", "best", "jpeg", "png", "webp", "avif", "gif"], v.format)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'format' is '${v.format}'; expected one of ['auto', 'best', 'jpeg', 'png', 'webp', 'avif', 'gif']" if !contains(["auto", "best", "jpeg", "png", "webp", "avif", "gif"], v.format)])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : contains(["centre", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest", "attention", "entropy", "focal"], v.gravity)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'gravity' is '${v.gravity}'; expected one of ['centre', 'north', 'south', 'east', 'west', 'northeast', 'northwest', 'southeast', 'southwest', 'attention', 'entropy', 'focal']" if !contains(["centre", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest", "attention", "entropy", "focal"], v.gravity)])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : contains(["first", "keep"], v.animation)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'animation' is '${v.animation}'; expected one of ['first', 'keep']" if !contains(["first", "keep"], v.animation)])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.animation != "keep" || contains(["auto", "webp", "gif"], v.format)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'format' is '${v.format}'; animation 'keep' writes one of ['auto', 'webp', 'gif']" if v.animation == "keep" && !contains(["auto", "webp", "gif"], v.format)])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.format != "gif" || v.animation == "keep"])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'format' is 'gif'; 'gif' is an output only with animation 'keep'" if v.format == "gif" && v.animation != "keep"])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.quality == null || v.quality == "auto" || can(regex("^[0-9]+$", v.quality)) && try(tonumber(v.quality) >= 1 && tonumber(v.quality) <= 100, false)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'quality' is ${replace(jsonencode(v.quality), local.json_quote, "'")}; expected an integer from 1 to 100 or 'auto'" if !(v.quality == null || v.quality == "auto" || can(regex("^[0-9]+$", v.quality)) && try(tonumber(v.quality) >= 1 && tonumber(v.quality) <= 100, false))])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.format != "best" || v.quality == null || v.quality == "auto"])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'quality' is ${v.quality}; format 'best' compares formats at a perceptual target: use 'auto'" if !(v.format != "best" || v.quality == null || v.quality == "auto")])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.animation != "keep" || v.quality != "auto"])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'quality' is 'auto'; 'auto' is for still images; animation 'keep' needs a number" if v.animation == "keep" && v.quality == "auto"])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.quality_target == null || try(v.quality_target >= 30 && v.quality_target <= 99, false)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'quality_target' is ${v.quality_target}; expected a SSIMULACRA 2 score from 30 to 99" if !(v.quality_target == null || try(v.quality_target >= 30 && v.quality_target <= 99, false))])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.quality_target == null || v.quality == "auto" || v.quality == null && v.format == "best"])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'quality_target' is ${v.quality_target}; it applies only with quality 'auto'" if !(v.quality_target == null || v.quality == "auto" || v.quality == null && v.format == "best")])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : contains(["srgb", "keep"], v.colorspace)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'colorspace' is '${v.colorspace}'; expected one of ['srgb', 'keep']" if !contains(["srgb", "keep"], v.colorspace)])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : trimspace(v.key) != ""])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'key' is '${v.key}'; expected a non-empty template string" if trimspace(v.key) == ""])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : alltrue([for p in regexall("\\{([^{}]*)\\}", v.key) : contains(["dir", "ext", "hash", "key", "stem", "variant"], p[0])])])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'key' is '${v.key}'; unknown placeholder(s) [${join(", ", [for p in sort(distinct([for m in regexall("\\{([^{}]*)\\}", v.key) : m[0]])) : "'${p}'" if !contains(["dir", "ext", "hash", "key", "stem", "variant"], p)])}]; allowed: {dir}, {ext}, {hash}, {key}, {stem}, {variant}" if !alltrue([for p in regexall("\\{([^{}]*)\\}", v.key) : contains(["dir", "ext", "hash", "key", "stem", "variant"], p[0])])])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : length(regexall("[{}]", replace(v.key, "/\\{[^{}]*\\}/", ""))) == 0])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'key' is '${v.key}'; braces must enclose a placeholder" if length(regexall("[{}]", replace(v.key, "/\\{[^{}]*\\}/", ""))) > 0])
  }

  validation {
    # {key} keeps the upload's extension: a fixed format needs the one it writes (image_resizer.variants).
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.format == "auto" || !strcontains(v.key, "{key}") || strcontains(v.key, "{ext}")])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'key' is '${v.key}'; format '${v.format}' needs the extension it writes: use {dir}{stem}.{ext}, not {key}" if !(v.format == "auto" || !strcontains(v.key, "{key}") || strcontains(v.key, "{ext}"))])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : !startswith(v.key, "/")])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'key' is '${v.key}'; S3 keys must not start with '/'" if startswith(v.key, "/")])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.formats == null || try(length(v.formats) > 0 && alltrue([for f in v.formats : contains(["avif", "webp", "jpeg", "png"], f)]) && length(distinct(v.formats)) == length(v.formats) && contains(["jpeg", "png"], v.formats[length(v.formats) - 1]), false)])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'formats' is ${replace(replace(jsonencode(v.formats), local.json_quote, "'"), ",", ", ")}; expected a list from ['avif', 'webp', 'jpeg', 'png'], each once, ending with 'jpeg' or 'png'" if !(v.formats == null || try(length(v.formats) > 0 && alltrue([for f in v.formats : contains(["avif", "webp", "jpeg", "png"], f)]) && length(distinct(v.formats)) == length(v.formats) && contains(["jpeg", "png"], v.formats[length(v.formats) - 1]), false))])
  }

  validation {
    condition     = alltrue([for raw in try(values(var.variants), []) : try(raw.format, null) == null || try(raw.formats, null) == null if can(keys(raw))])
    error_message = join("; ", [for n, raw in try(var.variants, {}) : "variant '${n}': field 'format' is '${raw.format}'; 'format' and 'formats' exclude each other: set one" if can(keys(raw)) && !(try(raw.format, null) == null || try(raw.formats, null) == null)])
  }

  validation {
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.formats == null || v.animation != "keep"])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'formats' is ${replace(replace(jsonencode(v.formats), local.json_quote, "'"), ",", ", ")}; animation 'keep' writes one format: use 'format'" if !(v.formats == null || v.animation != "keep")])
  }

  validation {
    # One key per format, which the CDN's function computes from the upload's key alone (no {hash}).
    condition     = alltrue([for v in([for raw in try(values(var.variants), []) : merge(local.variant_defaults, raw) if can(keys(raw))]) : v.formats == null || strcontains(v.key, "{ext}") && !strcontains(v.key, "{hash}")])
    error_message = join("; ", [for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : "variant '${n}': field 'key' is '${v.key}'; formats need {ext} and no {hash} in the key: each format has its own key" if !(v.formats == null || strcontains(v.key, "{ext}") && !strcontains(v.key, "{hash}"))])
  }

  validation {
    # Two variants whose templates ignore {variant} and agree would overwrite each other.
    condition     = length(distinct([for n, v in({ for n, raw in try(var.variants, {}) : n => merge(local.variant_defaults, raw) if can(keys(raw)) }) : replace(v.key, "{variant}", n)])) == length([for raw in try(values(var.variants), []) : raw if can(keys(raw))])
    error_message = join("; ", [for n, v in var.variants : "variants '${one([for m, w in var.variants : m if replace(try(merge(local.variant_defaults, w).key, ""), "{variant}", m) == replace(try(merge(local.variant_defaults, v).key, ""), "{variant}", n) && index(keys(var.variants), m) < index(keys(var.variants), n)])}' and '${n}' would write the same key ('${try(merge(local.variant_defaults, v).key, "")}')" if length([for m, w in var.variants : m if replace(try(merge(local.variant_defaults, w).key, ""), "{variant}", m) == replace(try(merge(local.variant_defaults, v).key, ""), "{variant}", n) && index(keys(var.variants), m) < index(keys(var.variants), n)]) == 1])
  }
}

locals {
  # The function's variant fields (image_resizer.variants._FIELDS) and defaults; quality and quality_target default
  # to null, which leaves the function's own default (82, or "auto" for format "best").
  variant_fields = ["animation", "colorspace", "fit", "format", "formats", "gravity", "height", "key", "quality", "quality_target", "width"]
  variant_defaults = {
    width          = null
    height         = null
    fit            = "inside"
    format         = "auto"
    formats        = null
    quality        = null
    quality_target = null
    colorspace     = "srgb"
    animation      = "first"
    gravity        = "centre"
    key            = "{variant}/{dir}{stem}.{ext}"
  }
  # The Python name of a JSON value's type, by the first character of its JSON text (the function's message says
  # "got str" for a string; a string's opening quote is looked up as "s"). json_quote is '"' without an escaped
  # quote, which checkov's HCL parser cannot read inside an interpolation.
  json_quote          = substr(jsonencode(""), 0, 1)
  variant_python_type = { "s" = "str", "[" = "list", "t" = "bool", "f" = "bool", "n" = "NoneType", "-" = "int", "0" = "int", "1" = "int", "2" = "int", "3" = "int", "4" = "int", "5" = "int", "6" = "int", "7" = "int", "8" = "int", "9" = "int", "{" = "dict" }
  # Every variant with the defaults applied: what the function receives as VARIANTS (main.tf). A variant with
  # formats has no format (the two exclude each other; null is absent to the function).
  variants = { for name, variant in try(var.variants, {}) : name => merge(local.variant_defaults, try(variant.formats, null) != null ? { format = null } : {}, variant) if can(keys(variant)) }
}

variable "max_source_pixels" {
  description = "Largest accepted source, in pixels (width x height), checked from the header before decoding."
  type        = number
  default     = 100000000

  validation {
    condition     = var.max_source_pixels >= 1 && var.max_source_pixels <= 178956970 && floor(var.max_source_pixels) == var.max_source_pixels
    error_message = "max_source_pixels is ${var.max_source_pixels}; expected 1 to 178956970 (Pillow's decompression-bomb guard)"
  }
}

variable "max_source_bytes" {
  description = "Largest accepted source object, in bytes."
  type        = number
  default     = 52428800

  validation {
    condition     = var.max_source_bytes >= 1 && floor(var.max_source_bytes) == var.max_source_bytes
    error_message = "max_source_bytes is ${var.max_source_bytes}; expected a positive integer"
  }
}

variable "cache_control" {
  description = "Cache-Control header written on every variant."
  type        = string
  default     = "public, max-age=86400"
}

variable "manifest_key" {
  description = "Key template of each upload's JSON manifest in the resized bucket ({key}, {dir}, {stem}); null: no manifests."
  type        = string
  default     = "manifests/{dir}{stem}.json"
  nullable    = true

  validation {
    condition     = var.manifest_key == null || (length(regexall("\\{([^{}]*)\\}", coalesce(var.manifest_key, "x"))) == length(regexall("\\{(key|dir|stem)\\}", coalesce(var.manifest_key, "x"))) && !startswith(coalesce(var.manifest_key, "x"), "/"))
    error_message = "manifest key template ${jsonencode(var.manifest_key)}: placeholders may be {key}, {dir} and {stem}, and it must not start with '/'"
  }
}

variable "base_url" {
  description = "Where the resized bucket is served (e.g. https://images.example.com/), for the manifests' URLs; null: the CDN's when enable_cdn, else keys only."
  type        = string
  default     = null

  validation {
    condition     = var.base_url == null || can(regex("^\\s*$", var.base_url)) || can(regex("^(https?://[^/\\s?#]+|\\.{0,2})(/[^\\s?#]*)?$", var.base_url))
    error_message = "base URL ${jsonencode(var.base_url)}: expected an http(s) URL such as https://images.example.com/, or a path starting with /, ./ or ../, without query or fragment"
  }
}

# Validated where it is used: modules/compute/variables.tf.
variable "runtime" {
  description = "Lambda runtime: python3.12 (default, what make build builds), python3.11 or python3.13 (build with --python)."
  type        = string
  default     = "python3.12"
}

# Validated where it is used: modules/compute/variables.tf.
variable "architecture" {
  description = "Lambda architecture: arm64 (default, about 20% cheaper per GB-second) or x86_64."
  type        = string
  default     = "arm64"
}

variable "artifacts_dir" {
  description = "Folder holding <architecture>/function.zip and <architecture>/layer.zip (make build writes dist/)."
  type        = string
  default     = null
}

# Validated where it is used: modules/compute/variables.tf.
variable "memory_size" {
  description = "Lambda memory in MB; 2048 fits a 100 MP decode of every input format (see docs/performance.md's memory table)."
  type        = number
  default     = 2048
}

# Validated where it is used: modules/compute/variables.tf.
variable "timeout" {
  description = "Lambda timeout in seconds; the state machine's Task times out 10 seconds later."
  type        = number
  default     = 60
}

variable "reserved_concurrency" {
  description = "Concurrency reserved for (and capping) the function, so that neither uploads nor an open POST /start can drain the account's Lambda pool. Applied only when the account's concurrency quota keeps the 100 unreserved executions AWS requires (new accounts with a quota of 10 deploy without it); null never reserves."
  type        = number
  default     = 100
}

# Validated where it is used: modules/orchestration/variables.tf.
variable "workflow_type" {
  description = "Step Functions workflow type: STANDARD (default; executions visible in the console) or EXPRESS."
  type        = string
  default     = "STANDARD"
}

variable "key_prefix" {
  description = "Only uploads whose key starts with this prefix start the workflow (empty: all)."
  type        = string
  default     = ""
}

variable "key_suffixes" {
  description = "Only uploads whose key ends with one of these suffixes start the workflow, e.g. [\".jpg\", \".png\"] (empty: all; the content decides, not the name)."
  type        = list(string)
  default     = []
}

variable "delete_variants_on_source_delete" {
  description = "When an original is deleted (a delete marker counts), delete the variants rendered from it. Nothing else is ever deleted."
  type        = bool
  default     = false
}

variable "enable_cdn" {
  description = "Serve the resized bucket through CloudFront (Origin Access Control, HTTPS only); the manifests' URLs use it."
  type        = bool
  default     = false
}

variable "cdn_aliases" {
  description = "Alternate domain names of the CDN, e.g. [\"images.example.com\"] (with cdn_acm_certificate_arn)."
  type        = list(string)
  default     = []
}

# Validated where it is used: modules/cdn/variables.tf.
variable "cdn_acm_certificate_arn" {
  description = "ACM certificate (us-east-1) covering cdn_aliases; null: the *.cloudfront.net name only."
  type        = string
  default     = null
}

# Validated where it is used: modules/cdn/variables.tf.
variable "cdn_price_class" {
  description = "CloudFront price class: PriceClass_100, PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"
}

variable "enable_events" {
  description = "Publish \"Image Variants Ready\" (with the manifest) and \"Image Variants Failed\" to the default EventBridge bus, source image-resizer."
  type        = bool
  default     = false
}

variable "enable_backfill" {
  description = "Create the backfill state machine (Distributed Map over the originals bucket) for buckets too large for `image-resizer backfill`."
  type        = bool
  default     = false
}

variable "backfill_max_concurrency" {
  description = "Items the backfill processes at once (caps the Lambda's concurrency during a backfill)."
  type        = number
  default     = 20

  validation {
    condition     = var.backfill_max_concurrency >= 1 && var.backfill_max_concurrency <= 10000 && floor(var.backfill_max_concurrency) == var.backfill_max_concurrency
    error_message = "backfill_max_concurrency must be a whole number from 1 to 10000."
  }
}

variable "backfill_inventory_bucket" {
  description = "Bucket that receives the originals bucket's S3 Inventory reports: the backfill reads a report's manifest.json (input inventory_manifest_key) instead of listing, for buckets of millions of objects. null: listing only."
  type        = string
  default     = null

  validation {
    condition     = var.backfill_inventory_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.backfill_inventory_bucket))
    error_message = "backfill_inventory_bucket must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)."
  }
}

variable "backfill_tolerated_failure_percentage" {
  description = "Percentage of failed items (e.g. corrupt originals) the backfill tolerates before it fails."
  type        = number
  default     = 5

  validation {
    condition     = var.backfill_tolerated_failure_percentage >= 0 && var.backfill_tolerated_failure_percentage <= 100
    error_message = "backfill_tolerated_failure_percentage must be from 0 to 100."
  }
}

variable "enable_api" {
  description = "Create the HTTP API with POST /start."
  type        = bool
  default     = true
}

# Validated where it is used: modules/api/variables.tf.
variable "api_authorization_type" {
  description = "Authorization of POST /start: NONE or AWS_IAM."
  type        = string
  default     = "NONE"
}

# Validated where it is used: modules/api/variables.tf.
variable "api_throttling_burst_limit" {
  description = "Burst limit of POST /start."
  type        = number
  default     = 10
}

# Validated where it is used: modules/api/variables.tf.
variable "api_throttling_rate_limit" {
  description = "Requests per second of POST /start."
  type        = number
  default     = 5
}

# Validated where it is used: modules/compute/variables.tf.
variable "log_retention_days" {
  description = "Retention of every log group, in days."
  type        = number
  default     = 30
}

variable "enable_xray" {
  description = "X-Ray tracing for the function and the state machine."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for buckets, logs, queue and topic; null uses AWS-managed encryption."
  type        = string
  default     = null
}

variable "create_alarm_kms_key" {
  description = "Create a customer-managed KMS key that admits CloudWatch for the alarm topic (default). false: encrypt the topic with kms_key_arn instead, whose policy must admit cloudwatch.amazonaws.com. A plain bool rather than a test of kms_key_arn, which may be unknown until apply and cannot decide a count."
  type        = bool
  default     = true
  nullable    = false

  validation {
    condition     = var.create_alarm_kms_key != false || var.kms_key_arn != null
    error_message = "create_alarm_kms_key = false needs kms_key_arn: the alarm topic is always encrypted."
  }
}

variable "alarm_email" {
  description = "E-mail address for alarm notifications (confirm the subscription); null for none. Known at plan time (a literal or a variable): whether it is null decides whether the subscription exists."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Let terraform destroy delete non-empty buckets (throwaway environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every resource (through the provider's default_tags and each module)."
  type        = map(string)
  default     = { Project = "image-resizer" }
}
