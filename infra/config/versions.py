"""Stack-file schema versions: what changed in each, and the message for a mismatch.

A fork keeps its own stack files while pulling upstream changes. `schemaVersion` in a stack
file says which schema it was written for; when upstream changes the schema in a way an
existing file must follow (a key renamed, removed or made required), SCHEMA_VERSION in
`schema.py` goes up by one and a row is added here. A stack file written for another
version then fails with one line that says what changed since, instead of a puzzling
"unknown key".
"""

from __future__ import annotations

# (version, what a stack-file author must know about it). Newest last.
SCHEMA_CHANGES: tuple[tuple[int, str], ...] = (
    (
        1,
        "first versioned schema: aws:region plus mlops-platform:environment, tags, network, "
        "featureStore, training, registry, serving, monitoring, ciAccess",
    ),
    (
        2,
        "serving.endpoints[].imageTag removed (no 'latest' default): pin modelPackageVersion, "
        "or modelDataUrl with imageDigest; an endpoint without either is declared, not "
        "deployed. registry.images[].keepLastImages renamed keepScratchImages (only "
        "scratchTagPrefixes tags and untagged images expire)",
    ),
)


def changes_between(
    old: int, new: int, changes: tuple[tuple[int, str], ...] = SCHEMA_CHANGES
) -> str:
    """'v2: ...; v3: ...' for the versions after `old` up to `new`."""
    rows = [f"v{v}: {text}" for v, text in changes if old < v <= new]
    return "; ".join(rows) if rows else "no changelog entries"


def check_schema_version(
    version: int, current: int, changes: tuple[tuple[int, str], ...] = SCHEMA_CHANGES
) -> int:
    """Accept the current version; explain an older or newer one. Raises ValueError."""
    if version < 1:
        raise ValueError(f"schemaVersion starts at 1 (got {version})")
    if version > current:
        raise ValueError(
            f"schemaVersion {version} is newer than this package understands ({current}); "
            "upgrade mlops-platform (pull upstream) to read this stack file"
        )
    if version < current:
        raise ValueError(
            f"the stack file was written for schemaVersion {version}, this package reads "
            f"{current}; what changed: {changes_between(version, current, changes)}. "
            f"Update the file (see CHANGELOG.md) and set schemaVersion: {current}"
        )
    return version
