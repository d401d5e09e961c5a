-- The PHP application's production database, as its dump records it
-- (reference-behaviour §1, "[dump]" columns; MySQL 8.0.43, phpMyAdmin,
-- 2025-11-10): the ingestion and aggregation subset plus the users, sites
-- and companies its rows refer to. It is a fixture for adopting a host's
-- database in place (issue 17 part 2), so it keeps the production faults on
-- purpose: import_jobs without a primary key (every id 0), no alert
-- columns, DATETIME instants in local time; meter_readings keyed by
-- (meter, date, time), so a daily total at 00:00 is HH period 1's key;
-- data_quality_issues without a unique key, holding one run twice; the
-- production variant of scheduler_executions.
SET NAMES utf8mb4;

CREATE TABLE users (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(255) NOT NULL,
  email varchar(255) NOT NULL UNIQUE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE companies (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(255) NOT NULL,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sites (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  company_id int unsigned NULL,
  region_id int unsigned NULL,
  name varchar(255) NOT NULL,
  address text NULL,
  postcode varchar(20) NULL,
  site_type varchar(50) DEFAULT 'office',
  floor_area decimal(10,2) NULL,
  latitude decimal(10,8) NULL,
  longitude decimal(11,8) NULL,
  is_active tinyint(1) DEFAULT 1,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE meters (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  site_id int unsigned NULL,
  supplier_id int unsigned NULL,
  mpan varchar(50) NOT NULL UNIQUE,
  serial_number varchar(100) NULL,
  meter_type enum('electricity','gas') NOT NULL DEFAULT 'electricity',
  is_smart_meter tinyint(1) DEFAULT 0,
  is_half_hourly tinyint(1) DEFAULT 1,
  is_active tinyint(1) DEFAULT 1,
  install_date date NULL,
  metric_variable_name varchar(100) NULL,
  metric_variable_value decimal(12,4) NULL,
  batch_id varchar(36) NULL,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  KEY idx_batch_id (batch_id),
  CONSTRAINT fk_meters_site FOREIGN KEY (site_id) REFERENCES sites (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE import_jobs (
  id int unsigned NOT NULL,
  batch_id varchar(36) NOT NULL,
  user_id int unsigned NULL,
  filename varchar(255) NOT NULL,
  file_path varchar(500) NULL,
  import_type enum('hh','daily','sites') NULL DEFAULT 'hh',
  status enum('queued','processing','completed','failed','cancelled') NULL DEFAULT 'queued',
  dry_run tinyint(1) DEFAULT 0,
  total_rows int NULL,
  processed_rows int DEFAULT 0,
  imported_rows int unsigned NOT NULL DEFAULT 0,
  failed_rows int DEFAULT 0,
  progress int DEFAULT 0,
  successful_rows int DEFAULT 0,
  queued_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  started_at datetime NULL,
  completed_at datetime NULL,
  error_message text NULL,
  summary json NULL,
  retry_count int DEFAULT 0,
  max_retries int DEFAULT 3,
  retry_at datetime NULL COMMENT 'earliest time to attempt a retry',
  last_error text NULL,
  notes text NULL,
  priority enum('low','normal','high','critical') NOT NULL DEFAULT 'normal',
  tags json NULL,
  metadata json NULL,
  parent_job_id int unsigned NULL,
  default_site_id int unsigned NULL,
  default_tariff_id int unsigned NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE meter_readings (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meter_id int unsigned NOT NULL,
  reading_date date NOT NULL,
  reading_time time NOT NULL,
  period_number tinyint NULL COMMENT '1-48',
  reading_value decimal(12,4) NOT NULL COMMENT 'kWh or m3',
  reading_type enum('actual','estimated') DEFAULT 'actual',
  import_batch_id varchar(50) NULL,
  batch_id varchar(36) NULL,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY unique_reading (meter_id, reading_date, reading_time, period_number),
  UNIQUE KEY unique_meter_datetime (meter_id, reading_date, reading_time),
  KEY idx_meter_date (meter_id, reading_date),
  KEY idx_date (reading_date),
  KEY idx_batch (import_batch_id),
  KEY idx_batch_id (batch_id),
  CONSTRAINT fk_readings_meter FOREIGN KEY (meter_id) REFERENCES meters (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE daily_aggregations (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meter_id int unsigned NOT NULL,
  date date NOT NULL,
  total_consumption decimal(12,4) NOT NULL DEFAULT 0,
  peak_consumption decimal(12,4) NOT NULL DEFAULT 0,
  off_peak_consumption decimal(12,4) NOT NULL DEFAULT 0,
  min_reading decimal(12,4) NULL,
  max_reading decimal(12,4) NULL,
  reading_count int DEFAULT 0,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY unique_meter_date (meter_id, date),
  KEY idx_date (date),
  CONSTRAINT fk_daily_meter FOREIGN KEY (meter_id) REFERENCES meters (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE weekly_aggregations (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meter_id int unsigned NOT NULL,
  week_start date NOT NULL,
  week_end date NOT NULL,
  total_consumption decimal(12,4) NOT NULL DEFAULT 0,
  peak_consumption decimal(12,4) NOT NULL DEFAULT 0,
  off_peak_consumption decimal(12,4) NOT NULL DEFAULT 0,
  min_daily_consumption decimal(12,4) NULL,
  max_daily_consumption decimal(12,4) NULL,
  day_count int DEFAULT 0,
  reading_count int DEFAULT 0,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY unique_meter_week (meter_id, week_start),
  CONSTRAINT fk_weekly_meter FOREIGN KEY (meter_id) REFERENCES meters (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE monthly_aggregations (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meter_id int unsigned NOT NULL,
  month_start date NOT NULL,
  month_end date NOT NULL,
  total_consumption decimal(12,4) NOT NULL DEFAULT 0,
  peak_consumption decimal(12,4) NOT NULL DEFAULT 0,
  off_peak_consumption decimal(12,4) NOT NULL DEFAULT 0,
  min_daily_consumption decimal(12,4) NULL,
  max_daily_consumption decimal(12,4) NULL,
  day_count int DEFAULT 0,
  reading_count int DEFAULT 0,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY unique_meter_month (meter_id, month_start),
  CONSTRAINT fk_monthly_meter FOREIGN KEY (meter_id) REFERENCES meters (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Rebuilt by migration 018, hence (15,3) where the other tables have (12,4).
CREATE TABLE annual_aggregations (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meter_id int unsigned NOT NULL,
  year_start date NOT NULL,
  year_end date NOT NULL,
  total_consumption decimal(15,3) NOT NULL DEFAULT 0,
  peak_consumption decimal(15,3) NULL,
  off_peak_consumption decimal(15,3) NULL,
  min_daily_consumption decimal(15,3) NULL,
  max_daily_consumption decimal(15,3) NULL,
  day_count int DEFAULT 0,
  reading_count int DEFAULT 0,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY unique_meter_year (meter_id, year_start),
  CONSTRAINT fk_annual_meter FOREIGN KEY (meter_id) REFERENCES meters (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The production variant (no execution_id, target_date, started_at or
-- telemetry_data: every TelemetryService insert failed on it).
CREATE TABLE scheduler_executions (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  range_type varchar(50) NOT NULL,
  start_time datetime NOT NULL,
  end_time datetime NULL,
  duration_seconds int NULL,
  status enum('running','completed','failed') DEFAULT 'running',
  meters_processed int DEFAULT 0,
  readings_processed int DEFAULT 0,
  errors int DEFAULT 0,
  warnings int DEFAULT 0,
  error_message text NULL,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE scheduler_alerts (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  alert_type enum('failure','warning','summary') NOT NULL,
  range_type varchar(50) NULL,
  message text NOT NULL,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE data_quality_issues (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meter_id int unsigned NOT NULL,
  issue_date date NOT NULL,
  issue_type enum('missing_data','anomaly','outlier','negative_value','zero_reading') NOT NULL,
  severity enum('low','medium','high') DEFAULT 'medium',
  description text NULL,
  issue_data json NULL,
  is_resolved tinyint(1) DEFAULT 0,
  resolved_at timestamp NULL,
  resolved_by int unsigned NULL,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  KEY idx_meter_date (meter_id, issue_date),
  CONSTRAINT fk_dq_meter FOREIGN KEY (meter_id) REFERENCES meters (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cron_logs (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job_name varchar(100) NOT NULL,
  job_type enum('daily','weekly','monthly','annual','import','export','cleanup','other') DEFAULT 'other',
  start_time datetime NOT NULL,
  end_time datetime NULL,
  duration_seconds int NULL,
  status enum('running','completed','failed','timeout') DEFAULT 'running',
  exit_code int NULL,
  records_processed int DEFAULT 0,
  records_failed int DEFAULT 0,
  errors_count int DEFAULT 0,
  warnings_count int DEFAULT 0,
  error_message text NULL,
  log_data json NULL,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  KEY idx_job_name (job_name), KEY idx_job_type (job_type), KEY idx_status (status),
  KEY idx_start_time (start_time), KEY idx_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_logs (
  id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id int unsigned NULL,
  action varchar(50) NOT NULL,
  entity_type varchar(50) NULL,
  entity_id bigint unsigned NULL,
  old_values json NULL,
  new_values json NULL,
  ip_address varchar(45) NULL,
  user_agent text NULL,
  status varchar(20) DEFAULT 'completed',
  retry_count int DEFAULT 0,
  parent_batch_id varchar(36) NULL,
  created_at timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  KEY idx_action (action), KEY idx_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE system_settings (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  setting_key varchar(100) NOT NULL UNIQUE,
  setting_value text NULL,
  setting_type enum('string','integer','boolean','json') DEFAULT 'string',
  description text NULL,
  is_editable tinyint(1) DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE migrations (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  migration varchar(255) NOT NULL,
  batch int NOT NULL,
  executed_at timestamp NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
