"""The Harver side: the assessment catalog, candidate assessments and their results."""
