"""The default letter texts, version 1, as migration 0002 loads them.

Frozen with the migration: later wording changes are new template versions (an admin's edit or
a new data migration), never edits to this file, so a fresh database always starts from the
same text as every existing one did. Django's migration loader skips modules starting with "_".
"""

HEADER = """Dear {{ recipient }},
"""

CONTACT = """
YOUR CONTACT
{{ specialist.name }} at {{ servicer.name }} is assigned to help you. Call {{ servicer.phone }} ({{ servicer.hours }}), write to {{ servicer.department }}, {{ servicer.address }}, or visit {{ servicer.website }}.
"""

COUNSELOR = """
FREE HOUSING COUNSELING
HUD-approved housing counselors can help you at no cost. For a list of counselors near you, visit {{ hud.website }} or call HUD at {{ hud.phone }}. You can also search at {{ hud.cfpb_website }}.
"""

EARLY_INTERVENTION_NOTICE = {
    "subject": "We want to help you with your mortgage payments",
    "body": HEADER
    + """
Your mortgage payment due {{ oldest_unpaid_due }} has not been paid. Today you are {{ days_delinquent }} days late. {{ installments_past_due }} monthly payment{{ installments_past_due|pluralize }} of {{ loan.monthly_payment }} ({{ amount_past_due }} in total, not including late charges or fees) {{ installments_past_due|pluralize:"is,are" }} past due on loan {{ loan.loan_number }} for {{ loan.property_address }}.

If you are having trouble making your payments, please contact us. You may be able to keep your home or avoid foreclosure. The sooner you contact us, the more options you may have.

OPTIONS THAT MAY BE AVAILABLE
Depending on your situation and the rules of the owner of your loan, options may include:
- Repayment plan: pay the past-due amount over several months along with your regular payment.
- Forbearance: a temporary reduction or pause of your payments.
- Loan modification: a permanent change to your loan terms, such as the interest rate or the term, to make your payment more affordable. A modification usually starts with a trial period of three payments.
- Short sale: sell your home for less than you owe, with our approval.
- Deed-in-lieu of foreclosure: transfer ownership of your home to us to satisfy the loan.

HOW TO APPLY
Call us at {{ servicer.phone }} or write to us to ask for a loss mitigation application. Send us the application with the documents it lists: usually a hardship statement, proof of income, bank statements and a signed tax transcript consent form (IRS Form 4506-C). We will tell you in writing within five business days of receiving your application whether it is complete and, if not, what is missing. When we have a complete application we will evaluate you for every option available to you.
"""
    + CONTACT
    + COUNSELOR
    + """
This notice is required by federal law (12 CFR 1024.39). If you have already sent us an application, or are working with us on an option, you do not need to do anything more because of this notice.

Sincerely,
{{ servicer.name }}
""",
}

ACKNOWLEDGMENT = {
    "subject": "We received your application for mortgage assistance",
    "body": HEADER
    + """
We received your application for mortgage assistance (loss mitigation) on loan {{ loan.loan_number }} on {{ received_on }}. Federal law requires us to send you this notice within five business days of receiving it, by {{ acknowledgment_due }}.
{% if complete %}
YOUR APPLICATION IS COMPLETE
Your application was complete on {{ complete_on }}. We will evaluate you for all the options available to you{% if evaluation_due %} and send you our decision in writing by {{ evaluation_due }}{% endif %}. We may still ask you for more information if we need it to evaluate you.
{% else %}
YOUR APPLICATION IS NOT COMPLETE
We need the following documents or information to complete your application:
{% for document in missing_documents %}- {{ document }}
{% endfor %}
Please send them by {{ documents_due }}. If we do not receive them, we may not be able to evaluate you for all available options, and you may lose the protections described below.
{% endif %}
PROTECTIONS FROM FORECLOSURE
If we receive your complete application more than 37 days before a scheduled foreclosure sale, we will not move for a foreclosure judgment or order of sale, or conduct a foreclosure sale, while we evaluate it. If your loan is not already in foreclosure, we will not make the first notice or filing for foreclosure while we evaluate a complete application, and never before your loan is more than 120 days delinquent. These protections continue until we have told you in writing that you are not eligible for any option and any appeal is over, you turn down every option we offer, or you do not keep the terms of an option you accepted.{% if foreclosure_sale_date %} A foreclosure sale is scheduled for {{ foreclosure_sale_date }}.{% endif %}

If you have other mortgage loans on this property, consider contacting the servicers of those loans to discuss the options they may offer.
"""
    + CONTACT
    + COUNSELOR
    + """
Sincerely,
{{ servicer.name }}
""",
}

EVALUATION_OFFER = {
    "subject": "Your mortgage assistance offer: {{ offer.option }}",
    "body": HEADER
    + """
We have evaluated your application for mortgage assistance on loan {{ loan.loan_number }} and we are offering you a {{ offer.option|lower }}.

THE TERMS OF THIS OFFER
{% for term in offer.terms %}- {{ term.label }}: {{ term.value }}
{% endfor %}{% if offer.monthly_payment %}- Your new monthly payment: {{ offer.monthly_payment }}
{% endif %}{% if offer.trial %}
The modification starts with a trial period: you make three trial payments of {{ offer.monthly_payment }} on time. When you have made them all, we make the modification permanent. We will send you the trial payment due dates when you accept.
{% endif %}
HOW TO ACCEPT
To accept this offer, contact us by {{ acceptance_deadline }} ({{ acceptance_days }} days from the date of this letter). If we have not heard from you by then, we will treat this offer as turned down.

If you turn down this offer or do not answer by {{ acceptance_deadline }}, we may continue with the foreclosure process as federal law allows. You may also accept this offer and still ask us about other options.
"""
    + CONTACT
    + COUNSELOR
    + """
Sincerely,
{{ servicer.name }}
""",
}

EVALUATION_DENIAL = {
    "subject": "Decision on your application: {{ option }} not approved",
    "body": HEADER
    + """
We have evaluated your application for mortgage assistance on loan {{ loan.loan_number }}. We are not able to offer you a {{ option|lower }}.

WHY WE DENIED IT
{% for reason in denial_reasons %}- {{ reason }}
{% endfor %}{% if rests_on_npv %}
THE NET PRESENT VALUE (NPV) TEST
Our decision rests on a net present value calculation. These are the values we used:
{% for input in npv_inputs %}- {{ input.label }}: {{ input.value }}
{% endfor %}{% if npv_result %}Result of the calculation for this option: {{ npv_result }}
{% endif %}If any of these values is wrong, tell us when you appeal.
{% endif %}
YOUR RIGHT TO APPEAL
{% if appeal_available %}You may appeal this decision. Your appeal must reach us by {{ appeal_deadline }}. Send it to {{ servicer.department }}, {{ servicer.address }}, or call {{ servicer.phone }}, and tell us why you think the decision is wrong; you may include documents. Someone who was not involved in this decision will review your appeal, and we will send you the result within {{ appeal_decision_days }} days of receiving it. We will not move forward with a foreclosure sale while your appeal is pending.{% else %}Federal law gives a right to appeal a modification denial only when the complete application was received 90 days or more before a scheduled foreclosure sale; that right does not apply to this decision. You may still call us to discuss your situation.{% endif %}

OTHER OPTIONS
We reviewed your application for every option available to you. If we offer you another option, we will send you a separate letter with its terms.
"""
    + CONTACT
    + COUNSELOR
    + """
Sincerely,
{{ servicer.name }}
""",
}

TRIAL_PLAN_OFFER = {
    "subject": "Your trial period plan: {{ trial_payment_count }} payments of {{ trial_payment_amount }}",
    "body": HEADER
    + """
Thank you for accepting our offer of a {{ offer.option|lower }} on loan {{ loan.loan_number }}. Before the modification becomes permanent you make {{ trial_payment_count }} trial payments.

YOUR TRIAL PAYMENTS
{% for payment in trial_payments %}- Payment {{ payment.number }}: {{ payment.amount }} due {{ payment.due_date }}
{% endfor %}
Each payment counts as on time when we receive it by the last day of the month it is due. If a trial payment is not received by then, the trial plan ends and the modification will not be made permanent.

When you have made every trial payment on time, we will send you the modification agreement to sign. Until then, the terms of your current loan stay in place; the trial payments are applied to your loan as the rules of your loan allow.
{% if offer.terms %}
THE MODIFICATION AFTER THE TRIAL
{% for term in offer.terms %}- {{ term.label }}: {{ term.value }}
{% endfor %}{% endif %}"""
    + CONTACT
    + COUNSELOR
    + """
Sincerely,
{{ servicer.name }}
""",
}

DEFAULTS = {
    "early_intervention_notice": EARLY_INTERVENTION_NOTICE,
    "acknowledgment": ACKNOWLEDGMENT,
    "evaluation_offer": EVALUATION_OFFER,
    "evaluation_denial": EVALUATION_DENIAL,
    "trial_plan_offer": TRIAL_PLAN_OFFER,
}
