"""Destination repository naming (replaceNamespace, src/controller/replication/flow/stage.go)."""


class NamespaceError(ValueError):
    pass


def replace_namespace(repository: str, namespace: str, replace_count=-1) -> str:
    """a/b/c/image, ns n: -1 -> n/image, 0 -> n/a/b/c/image, 1 -> n/b/c/image, 2 -> n/c/image."""
    if not namespace:
        return repository
    if replace_count is None:
        replace_count = -1
    parts = repository.split("/")
    if replace_count < 0:
        return f"{namespace}/{parts[-1]}"
    if replace_count == 0:
        return f"{namespace}/{repository}"
    if replace_count > len(parts) - 1:
        raise NamespaceError(
            f"the source repository {repository} contains only {len(parts) - 1} path components "
            f"(excluding the last one), but the destination namespace flattening level is {replace_count}")
    return "/".join([namespace] + parts[replace_count:])
