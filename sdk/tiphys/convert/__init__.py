"""Converting Argo YAML manifests to tiphys Python (``tiphys convert``, ``tiphys.load``).

Modules: :mod:`~tiphys.convert.convert` (the entry point, ``convert_text``, and the verification
that compiles the generated module back), :mod:`~tiphys.convert.load` (``tiphys.load``),
:mod:`~tiphys.convert.pywriter` (identifiers, literals, f-strings), one module per concern for
the typed forms (:mod:`~tiphys.convert.templates`, :mod:`~tiphys.convert.graph`,
:mod:`~tiphys.convert.kinds`, :mod:`~tiphys.convert.workflow`, :mod:`~tiphys.convert.volumes`,
:mod:`~tiphys.convert.artifacts`, :mod:`~tiphys.convert.pod`, :mod:`~tiphys.convert.ops`) and
:mod:`~tiphys.convert.residual` (the ``patch=`` that closes what the typed forms leave),
:mod:`~tiphys.convert.server` (what the API server adds to a stored object).

Error codes (C162-C169 are the converter's; invalid input documents get the validator's own):

======  ======================================================================================
C162    ``parameters=`` and parameter values in ``arguments=`` given together on a workflow
C163    ``RawDocument`` given something other than a mapping
C164    a document's shape cannot be read (``spec`` or a template is not a mapping, a field the
        validator let through has a shape the writer cannot read)
C165    the converted module does not compile or does not reproduce the document (a limit of
        the converter: keep the document in YAML)
C166    a document kind the converter cannot write
C167    ``tiphys.load`` cannot read the file
C168    the file holds no document (empty, comments only, or only ``---`` separators)
======  ======================================================================================
"""
