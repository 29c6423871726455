-- Whether photos taken on this device get a watermark on their upload rendition, and the UTC offset in
-- minutes its time is shown at (NULL: no watermark).
ALTER TABLE session ADD COLUMN watermark_offset_minutes INTEGER;
