output "commands" {
  description = "Ready-to-paste bash commands: terraform output -raw commands"
  value       = module.image_resizer.commands
}

output "commands_powershell" {
  description = "The same for PowerShell: terraform output -raw commands_powershell"
  value       = module.image_resizer.commands_powershell
}

output "api_start_url" {
  description = "URL of POST /start."
  value       = module.image_resizer.api_start_url
}
