from django import forms

# Uploads larger than this are refused on the page; the command has no limit.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class TapeUploadForm(forms.Form):
    file = forms.FileField(
        label="Servicing tape (CSV)",
        help_text="UTF-8 CSV with a header line; the columns are listed below.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 200 MB; load it with `manage.py import_tape`.")
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Upload a .csv file.")
        return upload
