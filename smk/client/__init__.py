"""Layer 2: the loaded client (``load_client(path) -> Client``) and what its data supports."""
from smk.client.model import Client
from smk.client.loader import load_client

__all__ = ["Client", "load_client"]
