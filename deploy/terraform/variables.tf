variable "aws_region" {
  description = "Region for every resource (keep health data in the people's jurisdiction)."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "production, staging, …"
  type        = string
  default     = "production"
}

variable "cluster_version" {
  type    = string
  default = "1.32"
}

variable "db_instance_class" {
  type    = string
  default = "db.r6g.large"
}

variable "db_read_replicas" {
  description = "PostgreSQL read replicas (REBLOOM_DATABASE_READ_URL uses the first)."
  type        = number
  default     = 1
}

variable "redis_node_type" {
  type    = string
  default = "cache.r6g.large"
}

variable "node_instance_types" {
  type    = list(string)
  default = ["m6i.large", "m6a.large"]
}
