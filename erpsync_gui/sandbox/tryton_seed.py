"""Seeds a fresh Tryton database with what products, sales and invoices need: a company (in USD, with EUR
known), a chart of accounts, a fiscal year with its periods and invoice sequences, a payment term and an
accounting product category. Run in its own process by erpsync_gui.sandbox.tryton_local:
`python -m erpsync_gui.sandbox.tryton_seed <config file> <database>`."""

from __future__ import annotations

import sys

#: ISO codes and names of the countries the seeded database knows
COUNTRIES = (("AT", "Austria"), ("BE", "Belgium"), ("DE", "Germany"), ("FR", "France"), ("GB", "United Kingdom"),
             ("IN", "India"), ("IR", "Iran"), ("NL", "Netherlands"), ("RO", "Romania"), ("US", "United States"))


def seed(config_file: str, database: str) -> None:
    from proteus import Model, config

    config.set_trytond(f"sqlite:///{database}", config_file=config_file)
    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts
    from trytond.modules.account_invoice.tests.tools import (
        create_payment_term,
        set_fiscalyear_invoice_sequences,
    )
    from trytond.modules.company.tests.tools import create_company, get_company
    from trytond.modules.currency.tests.tools import get_currency

    create_company(currency=get_currency("USD"))
    get_currency("EUR")
    company = get_company()
    create_chart(company)
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(company))
    fiscalyear.click("create_period")
    create_payment_term().save()
    accounts = get_accounts(company)
    category = Model.get("product.category")
    category(name="Accounting", accounting=True, account_revenue=accounts["revenue"],
             account_expense=accounts["expense"]).save()
    # Tryton ships no countries (its import script reads them from pycountry): the ones addresses here use
    country = Model.get("country.country")
    for code, name in COUNTRIES:
        country(code=code, name=name).save()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m erpsync_gui.sandbox.tryton_seed <config file> <database>")
    seed(sys.argv[1], sys.argv[2])
