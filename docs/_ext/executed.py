"""``.. executed-example::``: a code example run when the docs are built.

The directive's content is Python; the build runs it (in a fresh namespace,
in the docs' interpreter) and shows the code followed by what it printed.
An exception fails the build (``sphinx -W``), so every guide page's example
is known to run against the documented version.
"""

from __future__ import annotations

import contextlib
import io
import traceback

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class ExecutedExample(SphinxDirective):
    has_content = True

    def run(self):
        code = "\n".join(self.content)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, f"<{self.env.docname} example>", "exec"), {})
        except Exception:  # the page's example is broken: fail the build
            raise self.error(f"the example failed:\n{traceback.format_exc()}") from None
        source = nodes.literal_block(code, code, language="python")
        printed = out.getvalue().rstrip("\n") or "(prints nothing)"
        result = nodes.literal_block(printed, printed, language="text",
                                     classes=["executed-output"])
        caption = nodes.paragraph(text="Output (run when these pages were built):")
        return [source, caption, result]


def setup(app):
    app.add_directive("executed-example", ExecutedExample)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
