# language: es
@gaps
Característica: Brechas de coordinación — 3x1 para Migrantes en Zacatecas (ilustrativo)
  En el cofinanciamiento 3x1 cada orden de gobierno y el club ponen su parte; si uno falla, el
  proyecto queda con una brecha vertical.

  Antecedentes:
    Dado el caso de coordinación "tres-por-uno"
    Y existe el compromiso "taller-mun" de "mun-nochistlan" a "p-nochistlan-taller"

  Escenario: El municipio de Nochistlán no puso su parte del taller
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "vertical_gap" sobre "mun-nochistlan"
    Y la brecha de tipo "vertical_gap" menciona el compromiso "taller-mun"

  Escenario: Si el municipio hubiera pagado, el taller no tendría brecha vertical
    Dado el compromiso "taller-mun" está cumplido
    Cuando se genera el reporte de brechas
    Entonces el reporte no contiene brechas de tipo "vertical_gap" sobre "mun-nochistlan"
    Pero el reporte contiene una brecha de tipo "vertical_gap" sobre "gob-zac"
