"""How the dynamic loader finds the DT_NEEDED libraries of the ELF files an artifact carries.

A pure model, with no I/O of its own: it is handed a tree (the artifact's file paths, and the
dynamic facts of each file, read when first asked) and follows the loaders step by step.

glibc (elf/dl-load.c, _dl_map_object), for a name without a `/`:
 1. an object already loaded whose DT_SONAME, or a name it was loaded by, is the name;
 2. unless the requesting object has DT_RUNPATH: the DT_RPATH of the requesting object, then
    of the object that loaded it, and on up to the root. An object with DT_RUNPATH on the way
    gives nothing (its DT_RPATH is ignored) but the walk goes on past it: glibc's loop over
    `l_loader` does not stop there;
 3. LD_LIBRARY_PATH: the user's environment, not the artifact's;
 4. the requesting object's own DT_RUNPATH, never inherited;
 5. /etc/ld.so.cache and the system directories: the target's business.
 A file of another ELF class or machine met on the way is skipped; a file that is not ELF fails.
musl (ldso/dynlink.c, load_library):
 1. an object already loaded that a search found under this file name (musl never reads
    DT_SONAME); lib{c,pthread,rt,m,dl,util,xnet}.* are musl itself;
 2. LD_LIBRARY_PATH, as above;
 3. the DT_RUNPATH, or the DT_RPATH when there is none, of the requesting object, then of the
    object that loaded it, and on up: musl makes no difference between the two, both are
    inherited. A list holding a `$` token other than $ORIGIN is ignored whole;
 4. the system path. The first file found is taken, whatever it is.
Both load breadth first from the root, each object's DT_NEEDED in order, and never load one
file twice. A name with a `/` is a path: glibc expands $ORIGIN in it, musl does not; relative
paths are relative to the working directory, never inside the artifact. Only `$ORIGIN`
entries reach into an artifact: an absolute directory is on the target's file system.

The model is in three modules: tree (the artifact's files as the loader sees them),
search_paths (the directories DT_RPATH, DT_RUNPATH and $ORIGIN name) and loads (each load
from a root, and the graph of all of them).
"""
from binlint.facts.loader.loads import Graph, Load
from binlint.facts.loader.search_paths import own_search
from binlint.facts.loader.tree import Dynamic, Step, Tree

__all__ = ["Dynamic", "Graph", "Load", "Step", "Tree", "own_search"]
