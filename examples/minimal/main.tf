# The smallest deployment: the two bucket names, everything else at its default (one 200 px thumbnail under
# the upload's own key, STANDARD workflow, open POST /start throttled, alarms without e-mail).
module "image_resizer" {
  source = "../.."

  originals_bucket_name = "example-originals-0001"
  resized_bucket_name   = "example-resized-0001"
  # `make build` writes the artifacts into the repository's dist/.
  artifacts_dir = "${path.root}/../../dist"
}
