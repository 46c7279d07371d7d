"""Data files for the tools: lexicons, palettes and planning rules (YAML), loaded by the logic modules."""
