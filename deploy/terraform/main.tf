# The managed services the architecture sketches, for Rebloom's stateless
# replicas (deploy/kubernetes): a VPC, an EKS cluster, PostgreSQL 15 (Multi-AZ,
# encrypted, backups, a read replica), Redis 7 (encrypted in transit and at
# rest, with an auth token) and the secrets the server reads.

provider "aws" {
  region = var.aws_region
  default_tags {
    tags = {
      Application = "rebloom"
      Environment = var.environment
    }
  }
}

locals {
  name = "rebloom-${var.environment}"
}

data "aws_availability_zones" "available" {
  state = "available"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.13"

  name             = local.name
  cidr             = "10.40.0.0/16"
  azs              = slice(data.aws_availability_zones.available.names, 0, 3)
  private_subnets  = ["10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20"]
  public_subnets   = ["10.40.48.0/24", "10.40.49.0/24", "10.40.50.0/24"]
  database_subnets = ["10.40.60.0/24", "10.40.61.0/24", "10.40.62.0/24"]

  enable_nat_gateway     = true
  one_nat_gateway_per_az = true
  enable_dns_hostnames   = true

  create_database_subnet_group = true
  public_subnet_tags           = { "kubernetes.io/role/elb" = 1 }
  private_subnet_tags          = { "kubernetes.io/role/internal-elb" = 1 }
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.24"

  cluster_name    = local.name
  cluster_version = var.cluster_version
  vpc_id          = module.vpc.vpc_id
  subnet_ids      = module.vpc.private_subnets

  cluster_endpoint_public_access = false
  cluster_encryption_config = {
    resources        = ["secrets"]
    provider_key_arn = aws_kms_key.data.arn
  }

  eks_managed_node_groups = {
    main = {
      instance_types = var.node_instance_types
      min_size       = 2
      desired_size   = 3
      max_size       = 10
      labels         = { workload = "rebloom" }
    }
  }
}

resource "aws_kms_key" "data" {
  description             = "${local.name}: database, cache, secrets and cluster secrets at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

# PostgreSQL and Redis: only the cluster's nodes may connect.
locals {
  data_ports = { postgres = 5432, redis = 6379 }
}

resource "aws_security_group" "data" {
  for_each    = local.data_ports
  name        = "${local.name}-${each.key}"
  description = "${each.key} from the EKS nodes"
  vpc_id      = module.vpc.vpc_id

  ingress {
    from_port       = each.value
    to_port         = each.value
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }
}

resource "random_password" "db" {
  length  = 40
  special = false
}

resource "aws_db_parameter_group" "postgres" {
  name   = "${local.name}-pg15"
  family = "postgres15"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  # Statements slower than 250 ms are logged (without parameters: no health data in logs).
  parameter {
    name  = "log_min_duration_statement"
    value = "250"
  }
  parameter {
    name  = "log_parameter_max_length"
    value = "0"
  }
}

resource "aws_db_instance" "main" {
  identifier     = "${local.name}-db"
  engine         = "postgres"
  engine_version = "15.8"
  instance_class = var.db_instance_class

  allocated_storage     = 100
  max_allocated_storage = 1000
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.data.arn

  db_name  = "rebloom"
  username = "rebloom"
  password = random_password.db.result

  multi_az               = true
  db_subnet_group_name   = module.vpc.database_subnet_group_name
  vpc_security_group_ids = [aws_security_group.data["postgres"].id]
  parameter_group_name   = aws_db_parameter_group.postgres.name
  publicly_accessible    = false

  backup_retention_period   = 14
  backup_window             = "03:00-04:00"
  maintenance_window        = "sun:04:30-sun:05:30"
  copy_tags_to_snapshot     = true
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.name}-final"

  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.data.arn
  enabled_cloudwatch_logs_exports = ["postgresql"]
}

resource "aws_db_instance" "replica" {
  count               = var.db_read_replicas
  identifier          = "${local.name}-db-replica-${count.index}"
  replicate_source_db = aws_db_instance.main.identifier
  instance_class      = var.db_instance_class
  storage_encrypted   = true
  kms_key_id          = aws_kms_key.data.arn
  publicly_accessible = false
  skip_final_snapshot = true

  vpc_security_group_ids = [aws_security_group.data["postgres"].id]
  parameter_group_name   = aws_db_parameter_group.postgres.name
}

resource "random_password" "redis" {
  length  = 48
  special = false
}

resource "aws_elasticache_subnet_group" "redis" {
  name       = "${local.name}-redis"
  subnet_ids = module.vpc.private_subnets
}

resource "aws_elasticache_replication_group" "main" {
  replication_group_id = "${local.name}-redis"
  description          = "Rebloom rate limits, real-time rooms, context versions"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = var.redis_node_type
  port                 = 6379

  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true

  subnet_group_name  = aws_elasticache_subnet_group.redis.name
  security_group_ids = [aws_security_group.data["redis"].id]

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.data.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis.result
  snapshot_retention_limit   = 0
}

# The server's secrets, read into the Kubernetes Secret `rebloom-secrets`
# (External Secrets); the JWT secret and the master key are generated here once.
resource "random_password" "jwt" {
  length  = 64
  special = false
}

resource "random_id" "master_key" {
  byte_length = 32
}

resource "aws_secretsmanager_secret" "server" {
  name       = "${local.name}/server"
  kms_key_id = aws_kms_key.data.arn
}

resource "aws_secretsmanager_secret_version" "server" {
  secret_id = aws_secretsmanager_secret.server.id
  secret_string = jsonencode({
    REBLOOM_DATABASE_URL      = "postgres://rebloom:${random_password.db.result}@${aws_db_instance.main.endpoint}/rebloom?sslmode=require"
    REBLOOM_DATABASE_READ_URL = var.db_read_replicas > 0 ? "postgres://rebloom:${random_password.db.result}@${aws_db_instance.replica[0].endpoint}/rebloom?sslmode=require" : ""
    REBLOOM_REDIS_URL         = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.main.primary_endpoint_address}:6379"
    REBLOOM_JWT_SECRET        = random_password.jwt.result
    REBLOOM_MASTER_KEY        = random_id.master_key.hex
  })
}
