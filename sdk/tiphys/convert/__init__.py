"""Converting Argo YAML manifests to tiphys Python (``tiphys convert``, ``tiphys.load``).

Error codes (``ConvertError``):

* C162 -- ``parameters=`` and ``arguments=`` given together on a workflow.
* C163 -- ``RawDocument`` given something other than a mapping.
* C164 -- a document's shape cannot be read (``spec`` or a template is not a mapping...).
* C165 -- the converted module does not reproduce the document (a converter limit).
* C166 -- a document kind the converter cannot write yet.
"""
