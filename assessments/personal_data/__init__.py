"""Candidates' personal data: where it is held, and how it is exported, erased and anonymised.

Every app that keeps rows about a candidate assessment registers a `Holder` (`holders`), so an
export or an erasure reaches every table without this package knowing them all; the assessments'
own rows and the configuration history are handled last, here.
"""
