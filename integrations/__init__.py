"""Provider-agnostic integration configuration: credentials both ways, reports, field mappings."""
