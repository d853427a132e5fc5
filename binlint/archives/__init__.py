"""Containers: archives and bundles whose members are artifacts too. Members are read in
memory, never extracted to disk, each bounded by Limits so a hostile archive costs a
diagnostic, not the machine."""
