"""The register of disclosures and transfers, and notices to recipients."""
