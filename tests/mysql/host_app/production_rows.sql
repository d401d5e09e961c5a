-- Rows in the shape production holds them (reference-behaviour §1, §13):
-- every import_jobs id 0, a job in the 'critical' priority only production
-- has, a failed job whose retries are spent, local DATETIME instants; a
-- meter's half hours with the autumn day 2025-10-26 as the reference stored
-- it (48 clock times: the repeated hour was overwritten at import); daily
-- totals stored at 00:00 with no period; one quality run stored twice; the
-- 'Default Company' and 'Auto-imported Meters' ingestion relies on, at
-- production's ids (2 and 4).
SET NAMES utf8mb4;
-- The app sets no session time zone: its DATETIMEs are London clock time,
-- its TIMESTAMPs read in the server's zone.

INSERT INTO users (id, name, email) VALUES (1, 'Energy Manager', 'manager@example.com');
INSERT INTO companies (id, name) VALUES (1, 'Acme Schools Trust'), (2, 'Default Company');
INSERT INTO sites (id, company_id, name, address, postcode) VALUES
  (1, 1, 'Head Office', '1 High Street', 'BS1 1AA'),
  (2, 1, 'North Campus', NULL, NULL),
  (3, 1, 'South Campus', NULL, NULL),
  (4, 2, 'Auto-imported Meters', 'Auto-generated during CSV import', 'TBD');
INSERT INTO meters (id, site_id, mpan, meter_type, is_half_hourly) VALUES
  (1, 1, '1200012345678', 'electricity', 1),
  (2, 2, '9876543210', 'gas', 0),
  (3, 4, 'AUTO0001', 'electricity', 1);

INSERT INTO import_jobs (id, batch_id, user_id, filename, file_path, import_type, status, dry_run,
  processed_rows, imported_rows, failed_rows, queued_at, started_at, completed_at, summary,
  retry_count, max_retries, priority, tags, metadata) VALUES
  (0, '6f1c2b1e-8d7a-4c1e-9b1a-0d3f5e7a9c11', 1, 'hh_nov.csv',
   '/var/www/app/storage/imports/1762780000_hh_nov.csv', 'hh', 'completed', 0, 96, 96, 0,
   '2025-11-09 06:00:00', '2025-11-09 06:00:05', '2025-11-09 06:40:12',
   '{"batch_id":"6f1c2b1e-8d7a-4c1e-9b1a-0d3f5e7a9c11","format":"hh","records_processed":96,"records_imported":96,"records_failed":0,"errors":[]}',
   0, 3, 'normal', '["monthly"]', '{"default_site_id":"1"}'),
  (0, '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', 1, 'daily_gas.csv',
   '/var/www/app/storage/imports/1762790000_daily_gas.csv', 'daily', 'failed', 0, 0, 0, 0,
   '2025-11-09 08:00:00', '2025-11-09 08:20:00', '2025-11-09 08:20:01', NULL,
   3, 3, 'high', NULL, NULL),
  (0, '5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170', NULL, 'urgent_reads.csv',
   '/var/www/app/storage/imports/1762800000_urgent_reads.csv', 'hh', 'queued', 0, 0, 0, 0,
   '2025-11-10 09:00:00', NULL, NULL, NULL, 0, 3, 'critical', NULL, NULL);
UPDATE import_jobs SET error_message = 'SQLSTATE[42S22]: Column not found: 1054 Unknown column ''summary''',
  last_error = error_message WHERE status = 'failed';

-- Meter 1: two whole days of half hours, one of them the autumn day.
INSERT INTO meter_readings (meter_id, reading_date, reading_time, period_number, reading_value,
  reading_type, import_batch_id)
WITH RECURSIVE p (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < 48)
SELECT 1, d.day, SEC_TO_TIME((p.n - 1) * 1800), p.n, ROUND(0.25 + p.n / 100, 4),
       IF(p.n = 20, 'estimated', 'actual'), '6f1c2b1e-8d7a-4c1e-9b1a-0d3f5e7a9c11'
FROM p CROSS JOIN (SELECT DATE '2025-10-26' AS day UNION ALL SELECT DATE '2025-11-08') d;

-- Meter 2: daily totals, stored at 00:00 with no period.
INSERT INTO meter_readings (meter_id, reading_date, reading_time, period_number, reading_value,
  reading_type, import_batch_id) VALUES
  (2, '2025-11-07', '00:00:00', NULL, 41.2500, 'actual', NULL),
  (2, '2025-11-08', '00:00:00', NULL, 42.5000, 'estimated', NULL);

INSERT INTO daily_aggregations (meter_id, date, total_consumption, peak_consumption,
  off_peak_consumption, min_reading, max_reading, reading_count) VALUES
  (1, '2025-11-08', 23.7600, 17.2800, 6.4800, 0.2600, 0.7300, 48);

INSERT INTO data_quality_issues (meter_id, issue_date, issue_type, severity, description) VALUES
  (3, '2025-11-09', 'missing_data', 'high', 'No readings for 2025-11-09'),
  (3, '2025-11-09', 'missing_data', 'high', 'No readings for 2025-11-09');

INSERT INTO scheduler_executions (range_type, start_time, end_time, duration_seconds, status,
  meters_processed, readings_processed) VALUES
  ('daily', '2025-11-09 01:30:00', '2025-11-09 01:30:04', 4, 'completed', 3, 98);

INSERT INTO audit_logs (user_id, action, entity_type, new_values, status, retry_count, created_at) VALUES
  (1, 'import_csv', 'import_batch',
   '{"batch_id":"6f1c2b1e-8d7a-4c1e-9b1a-0d3f5e7a9c11","format":"hh","records_processed":96,"records_imported":96,"records_failed":0,"errors":[]}',
   'completed', 0, '2025-11-09 06:40:12');

INSERT INTO system_settings (setting_key, setting_value, setting_type) VALUES
  ('import_throttle_enabled', 'true', 'boolean'),
  ('import_throttle_batch_size', '25', 'integer'),
  ('import_throttle_delay_ms', '300', 'integer');

INSERT INTO migrations (migration, batch) VALUES ('001_create_tables.sql', 1);
