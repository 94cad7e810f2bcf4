"""ScannerAdapterMetadata.ConvertCapability (src/pkg/scan/rest/v1/models.go), as GET /scanners fills
`capabilities` (harbor_sim/api/scanners.py)."""

from __future__ import annotations

from harbor_sim.api.scanners import capabilities


def test_capabilities_by_type_and_for_older_adapters():
    assert capabilities({"capabilities": [{"type": "vulnerability"}, {"type": "sbom"}]}) == {
        "support_vulnerability": True, "support_sbom": True}
    assert capabilities({"capabilities": [{"type": "sbom"}]}) == {"support_sbom": True}
    assert capabilities({"capabilities": [{"consumes_mime_types": []}]}) == {
        "support_vulnerability": True, "support_sbom": False}
