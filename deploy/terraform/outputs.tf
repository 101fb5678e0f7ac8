output "cluster_name" {
  value = module.eks.cluster_name
}

output "database_endpoint" {
  value = aws_db_instance.main.endpoint
}

output "redis_endpoint" {
  value = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "server_secret_arn" {
  description = "Secrets Manager entry holding the REBLOOM_* secrets (for External Secrets)."
  value       = aws_secretsmanager_secret.server.arn
}
