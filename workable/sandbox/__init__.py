"""A stand-in Workable: the SPI v3 calls and results callbacks the platform makes, and what a
recruiter does in Workable (jobs, candidates, "send assessment").

`spi` and `recruiter` are framework-free (standard library only, state in a `sandbox.store`
Store), so a test can serve them over HTTP on 127.0.0.1 as the built-in sandbox serves them
from the platform (`views`, mounted at /sandbox/workable/).
"""
