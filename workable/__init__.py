"""Everything Workable-specific: its provider entry, the API Workable calls, the calls we make."""
