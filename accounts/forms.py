from django import forms


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=60,
        required=False,
        help_text="Shown on your posts instead of your username.",
    )
    signature = forms.CharField(
        max_length=500,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown, shown under each of your posts. At most 500 characters.",
    )
