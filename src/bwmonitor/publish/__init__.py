"""Files for readers: tables, the workbook, charts, the export folder, the change report."""
