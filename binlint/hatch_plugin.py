"""hatchling build hook `binlint`: lint each wheel right after hatchling builds it, and fail
the build, removing the wheel, when binlint finds a problem at or above `fail-on`.

Enable it with `binlint` in `[build-system] requires` and a table
`[tool.hatch.build.targets.wheel.hooks.binlint]` (options: fail-on, glibc, kernel,
targets, args; docs/integrations.md). hatchling imports this module through the entry
point group `hatch` only where binlint is installed beside it (a build environment), so
hatchling never becomes a dependency of binlint itself.
"""
from __future__ import annotations

import os

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.plugin import hookimpl

FAIL_ON = ("error", "warning", "note")


class BinlintBuildHook(BuildHookInterface):
    PLUGIN_NAME = "binlint"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        # An editable wheel holds a path file, not the artifacts users will get.
        if self.target_name != "wheel" or version == "editable":
            return
        from binlint.cli import EXIT_CLEAN, EXIT_FINDINGS, main

        # Relative to the project (the backend's working directory) when inside it, as
        # users read it: dist/x.whl!pkg/_ext.so.
        relative = os.path.relpath(artifact_path)
        wheel = artifact_path if relative.startswith(os.pardir) else relative
        argv = ["check", *self.arguments(), "--", wheel]
        self.app.display_info(f"binlint: checking {os.path.basename(artifact_path)}")
        status = main(argv)  # the CLI's own code path: same report, same exit codes
        if status == EXIT_CLEAN:
            return
        os.remove(artifact_path)  # a rejected wheel must not be uploaded by mistake
        reason = (f"found problems at or above {self.config.get('fail-on', 'error')!r}" if status == EXIT_FINDINGS
                  else f"stopped with an error (exit {status})")
        self.app.abort(f"binlint {reason}: removed {wheel}", code=1)

    def arguments(self) -> list[str]:
        """binlint check's options from the hook's table, each type-checked."""
        config = self.config
        fail_on = config.get("fail-on", "error")
        if fail_on not in FAIL_ON:
            raise ValueError(f"option `fail-on` of build hook `binlint` must be one of {', '.join(FAIL_ON)}, "
                             f"not {fail_on!r}")
        arguments = ["--fail-on", fail_on]
        for option in ("glibc", "kernel"):
            if option in config:
                arguments += [f"--{option}", self._string(option, config[option])]
        for name in self._strings("targets"):
            arguments += ["--target", name]
        return arguments + self._strings("args")

    def _strings(self, option: str) -> list[str]:
        values = self.config.get(option, [])
        if not isinstance(values, list):
            raise TypeError(f"option `{option}` of build hook `binlint` must be an array of strings")
        return [self._string(option, value) for value in values]

    @staticmethod
    def _string(option: str, value: object) -> str:
        if not isinstance(value, str):
            raise TypeError(f"option `{option}` of build hook `binlint` must hold strings, not {value!r}")
        return value


@hookimpl
def hatch_register_build_hook() -> type[BuildHookInterface]:
    return BinlintBuildHook
